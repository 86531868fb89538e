"""Pure helpers for the cleaning job: readers, validation rules, accounting."""
