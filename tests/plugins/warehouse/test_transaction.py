"""A block of warehouse statements commits together or not at all."""
from __future__ import annotations

import pytest

from recsys import backends
from recsys.warehouse.transaction import transaction

pytestmark = pytest.mark.integration


@pytest.fixture
def hook(local_stack):
    hook = backends.warehouse_hook(local_stack)
    hook.run(["drop schema if exists tx_probe cascade", "create schema tx_probe", "create table tx_probe.t (n int)"])
    yield hook
    hook.run("drop schema if exists tx_probe cascade")


def _rows(hook) -> list[int]:
    return [r[0] for r in hook.get_records("select n from tx_probe.t order by n")]


def test_a_block_commits_when_it_ends(hook):
    with transaction(hook) as cur:
        cur.execute("insert into tx_probe.t values (1), (2)")
    assert _rows(hook) == [1, 2]


def test_a_block_that_raises_leaves_nothing_behind(hook):
    with pytest.raises(RuntimeError, match="half way"):
        with transaction(hook) as cur:
            cur.execute("insert into tx_probe.t values (1)")
            raise RuntimeError("failed half way")
    assert _rows(hook) == []
