"""The training marts are read in user-id ranges: every row once, in order, with the mart's column types."""
from __future__ import annotations

import pandas as pd
import pytest

from recsys import backends
from recsys.warehouse.marts import read_in_ranges

pytestmark = pytest.mark.integration


@pytest.fixture
def hook(local_stack):
    hook = backends.warehouse_hook(local_stack)
    hook.run(["drop schema if exists marts_probe cascade", "create schema marts_probe",
              "create table marts_probe.interactions (user_id int, movie_id int, rating double precision, "
              "rated_at timestamp)"])
    yield hook
    hook.run("drop schema if exists marts_probe cascade")


def test_ranges_read_every_row_once_in_order_even_across_gaps_in_the_user_ids(hook):
    # users 1-30 and 500-520: most ranges of the 7 below hold no row at all
    hook.run("insert into marts_probe.interactions select u, m, (u + m) % 5 + 1, timestamp '2020-01-01' + "
             "(u * 100 + m) * interval '1 minute' from (select generate_series(1, 30) union all "
             "select generate_series(500, 520)) users(u), generate_series(1, 20) m")
    whole = hook.get_df("select * from marts_probe.interactions order by user_id, movie_id")

    read = read_in_ranges(hook, "marts_probe.interactions", "user_id, movie_id", rows_per_query=150)

    assert len(whole) == 51 * 20
    pd.testing.assert_frame_equal(read, whole)  # same rows, order and column types


def test_an_empty_mart_reads_as_an_empty_frame_with_its_columns(hook):
    read = read_in_ranges(hook, "marts_probe.interactions", "user_id, movie_id")
    assert read.empty and list(read.columns) == ["user_id", "movie_id", "rating", "rated_at"]
