"""The warehouse the dashboards read (marts and seeds only), through ``RECSYS_WAREHOUSE_URL``.

A libpq URI: the local PostgreSQL (``make dashboards`` sets it from the RECSYS_PG_* settings) or a
Redshift cluster, which speaks the same protocol (add ``?sslmode=require``). The session is read-only.
"""
from __future__ import annotations

import os
from decimal import Decimal

import pandas as pd
import psycopg2
import streamlit as st


@st.cache_data(ttl=600, show_spinner=False)
def query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Rows of ``sql`` (``%s`` placeholders bound to ``params``) as a DataFrame; numerics as floats."""
    conn = psycopg2.connect(os.environ["RECSYS_WAREHOUSE_URL"])
    try:
        conn.set_session(readonly=True)
        with conn.cursor() as cur:
            cur.execute(sql, params)
            columns = [c.name for c in cur.description]
            rows = [[float(v) if isinstance(v, Decimal) else v for v in row] for row in cur.fetchall()]
    finally:
        conn.close()
    return pd.DataFrame(rows, columns=columns)


def rows_or_stop(sql: str, when_empty: str) -> pd.DataFrame:
    """Rows of ``sql``; when there are none, say ``when_empty`` and end the page there."""
    rows = query(sql)
    if rows.empty:
        st.info(when_empty)
        st.stop()
    return rows


def as_of() -> str:
    """The day the live marts hold (``marts.warehouse_as_of``)."""
    return str(query("select ds from marts.warehouse_as_of")["ds"].iloc[0])


def caption_as_of() -> None:
    """The line every analyst page starts with: which day its numbers belong to."""
    st.caption(f"As of **{as_of()}**: every number on this page is of that day's marts "
               f"(each analytics mart carries the day as its `ds` column).")
