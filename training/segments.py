"""The cold-start segments' serving keys, shared by scoring (which publishes them) and the API (which reads
them): ``segment#<gender>|<age bucket>|<occupation>``, ``*`` for an answer not given."""
from __future__ import annotations

import pandas as pd

SEGMENT_COLUMNS = ("gender", "age_bucket", "occupation")  # a new user's sign-up answers
ANY = "*"  # in a segment key: the answer was not given


def segment_key(gender: str | None, age_bucket: str | None, occupation: str | None) -> str:
    """The serving key of a cold-start segment (the recommendations table's user_id)."""
    return "segment#" + "|".join(ANY if v is None or pd.isna(v) else str(v) for v in (gender, age_bucket, occupation))
