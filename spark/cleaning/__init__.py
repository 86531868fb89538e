"""The clean job's helpers, shipped to Glue with it: the lake layout and dataset catalogue (plain Python),
readers, per-format parsers, rules and tables (PySpark), accounting and vocabularies."""
