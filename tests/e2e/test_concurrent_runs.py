"""Two ``koppel run`` of one flow started together: one runs, the other stops with exit
status 2 naming the running one; no sales order is created twice.

Repeated 20 times, with a random delay between the two starts, on SQLite and on
PostgreSQL, each time against fresh sandboxes served over HTTP by this process.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from koppel.state._engine import resolve_url

from .served import served_orders

REPEATS = 20


@pytest.fixture(params=["sqlite", "postgres"])
def new_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes a fresh, empty state store per call: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        yield lambda: str(tmp_path / f"state-{uuid.uuid4().hex[:8]}.sqlite3")
        return
    base = resolve_url(request.getfixturevalue("postgres_url"))
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"koppel_runs_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_concurrent_runs_of_one_flow_never_double_a_record(
    new_state: Callable[[], str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    rng = random.Random(request.node.name)
    overlapped = 0
    for repeat in range(REPEATS):
        folder = tmp_path / f"repeat-{repeat}"
        folder.mkdir()
        with served_orders(folder, new_state(), orders=150, latency=0.002) as served:
            first = served.start()
            time.sleep(rng.uniform(0.0, 1.5))
            second = served.start()
            outcomes = [(p.wait(timeout=120), *p.communicate()) for p in (first, second)]
            codes = sorted(code for code, _, _ in outcomes)
            busy = [err for code, _, err in outcomes if code == 2]
            assert codes in ([1, 1], [1, 2]), outcomes  # 1: the AV-9999 order is parked
            if busy:
                overlapped += 1
                assert "is running since" in busy[0] and "pid " in busy[0], busy[0]
            landed = served.landed()
            assert max(landed.values()) == 1, f"repeat {repeat}: doubled {landed.most_common(3)}"
            assert set(landed) == {str(o["Number"]) for o in served.good_orders()}
            assert max(served.debtors().values()) == 1
    assert overlapped >= REPEATS // 4  # most starts overlapped: the lock was really tested
