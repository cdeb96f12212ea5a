"""``deletions = "propagate"`` on a source that reports no deletions is said to do nothing,
by ``koppel check`` (a note) and by the run (a warning); the run goes on."""

from __future__ import annotations

from collections.abc import Callable

from structlog.testing import capture_logs

from koppel import hookimpl
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import Flow
from koppel.state import StateStore
from koppel.system import EntityInfo, SystemInfo

from .conftest import manager_of


class NoDeletionFeed(MemorySystem):
    """A source whose reads never report a deletion."""

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        entity = EntityInfo(name="customers", read=True, match_keys=("email",))
        return SystemInfo(name=self.name, title="no deletion feed", entities=(entity,))


def test_engine_warns_that_propagated_deletions_have_nothing_to_do(
    books: MemorySystem, store: StateStore, make_flow: Callable[..., Flow]
) -> None:
    shop = NoDeletionFeed("shop")
    shop.put("customers", "c1", {"name": "C1", "email": "c1@example.com"})
    flow = make_flow(settings={"deletions": "propagate"})
    with capture_logs() as logs:
        result = run_flow(flow, store, manager=manager_of(shop=shop, books=books))
    assert result.counts["created"] == 1
    warned = [e["event"] for e in logs if e["log_level"] == "warning"]
    assert 'deletions = "propagate" has nothing to do: shop reports no deletions of customers' in (
        warned
    )


def test_engine_says_nothing_when_the_source_reports_deletions(
    shop: MemorySystem, books: MemorySystem, store: StateStore, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(settings={"deletions": "propagate"})
    with capture_logs() as logs:
        run_flow(flow, store, manager=manager_of(shop=shop, books=books))
    assert not [e for e in logs if "has nothing to do" in e["event"]]
