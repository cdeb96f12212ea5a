"""What connections remember between runs: kept for its age, asked again when older."""

from __future__ import annotations

from datetime import timedelta

from koppel.state import StateStore

from .conftest import Clock

DAY = timedelta(days=1)


class Asked:
    """A fetch that counts how often the system was asked."""

    def __init__(self) -> None:
        self.times = 0

    def __call__(self) -> list[dict[str, str]]:
        self.times += 1
        return [{"id": "ItemCode", "asked": str(self.times)}]


def test_state_remembered_is_asked_once_while_fresh(store: StateStore, clock: Clock) -> None:
    ask = Asked()
    first = store.remembered("afas/12345/metainfo", ask, max_age=DAY)
    clock.advance(hours=23)
    again = store.remembered("afas/12345/metainfo", ask, max_age=DAY)
    assert first == again == [{"id": "ItemCode", "asked": "1"}]
    assert ask.times == 1


def test_state_remembered_is_asked_again_when_old_or_refreshed(
    store: StateStore, clock: Clock
) -> None:
    ask = Asked()
    store.remembered("k", ask, max_age=DAY)
    clock.advance(hours=25)
    assert store.remembered("k", ask, max_age=DAY)[0]["asked"] == "2"
    assert store.remembered("k", ask, max_age=DAY, refresh=True)[0]["asked"] == "3"
    assert store.remembered("k", ask, max_age=DAY)[0]["asked"] == "3"


def test_state_remembered_keys_are_apart_and_can_be_forgotten(store: StateStore) -> None:
    ask = Asked()
    store.remembered("afas/1/a", ask, max_age=DAY)
    store.remembered("afas/2/a", ask, max_age=DAY)
    store.remembered("exact/1/a", ask, max_age=DAY)
    assert ask.times == 3
    assert store.forget_remembered("afas/") == 2
    store.remembered("exact/1/a", ask, max_age=DAY)
    assert ask.times == 3
