"""AWS Lambda entry point: the same FastAPI app behind API Gateway, through Mangum.

Deploy ``plugins/``, ``spark/cleaning/`` and ``training/`` with fastapi, mangum, boto3, numpy, scipy
and pandas (pinned in requirements.txt) and set the handler to ``recsys.api.lambda_handler.handler``; settings come from the
function's environment (RECSYS_RECS_TABLE, RECSYS_API_KEYS_TABLE, RECSYS_LAKE_BUCKET).
"""
from __future__ import annotations

from mangum import Mangum

from recsys.api.service import build_app
from recsys.settings import get_settings

handler = Mangum(build_app(get_settings()), lifespan="off")
