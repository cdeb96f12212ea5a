"""The demo's orders flow run by ``koppel run`` subprocesses against sandboxes this test
process serves over HTTP on loopback (eAccounting with generated orders, AccountView).

Each :class:`ServedOrders` is a fresh pair of sandboxes and a flow file pointed at
them, its tokens granted straight into the state store (what ``koppel auth`` would
store), so a test can start, kill and inspect real ``koppel run`` processes cheaply.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from koppel.sandbox import Sandbox, SandboxEndpoint, point_flow, sandbox_for
from koppel.state import open_state
from koppel.testing import koppel_command

EXAMPLE = Path(__file__).parents[2] / "examples" / "eaccounting-orders-to-accountview.toml"
MISSING_SKU = "AV-9999"


class ServedOrders:
    """Two served sandboxes, the pointed orders flow and the environment to run it in."""

    def __init__(self, ea: Sandbox, av: Sandbox, flow: Path, env: Mapping[str, str]) -> None:
        self.ea, self.av, self.flow, self.env = ea, av, flow, dict(env)

    def start(self, *args: str, crash_at: str | None = None) -> subprocess.Popen[str]:
        """``koppel run FLOW ARGS`` in a subprocess (killing itself at ``crash_at``)."""
        env = dict(self.env)
        if crash_at is not None:
            env["KOPPEL_TEST_CRASH_AT"] = crash_at
        return subprocess.Popen(
            koppel_command("run", str(self.flow), *args),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def good_orders(self) -> list[dict[str, Any]]:
        """The paid orders that must land: every one but the one with the unknown product."""
        return [
            o
            for o in self.ea.store["orders"].all()
            if o["Status"] == 4 and all(r.get("ArticleNumber") != MISSING_SKU for r in o["Rows"])
        ]

    def landed(self) -> Counter[str]:
        """Sales orders in AccountView, by order reference."""
        return Counter(row["ORD_REF"] for row in self.av.store["SO_HDR"].all())

    def debtors(self) -> Counter[str]:
        """AccountView debtors by e-mail address."""
        return Counter(
            str(row.get("MAIL_BUS") or "").strip().lower() for row in self.av.store["CONTACT"].all()
        )


@contextmanager
def served_orders(
    folder: Path,
    state: str,
    *,
    orders: int = 120,
    latency: float = 0.0,
    seed: int = 0,
    chunk_size: int | None = None,
) -> Iterator[ServedOrders]:
    """Serve a fresh pair of sandboxes and point the orders flow at them, state in ``state``
    (and ``chunk_size`` records a chunk)."""
    with ExitStack() as stack:
        ea = sandbox_for("eaccounting", seed=seed, volume=orders)
        av = sandbox_for("accountview", seed=seed)
        ea.latency = av.latency = latency
        endpoints = []
        for box in (ea, av):
            server = stack.enter_context(box.serve("127.0.0.1", 0))
            endpoints.append(SandboxEndpoint.of(box, server.url))
        pointed = point_flow(EXAMPLE, folder / "orders.toml", endpoints, state=state)
        if chunk_size is not None:
            text = pointed.path.read_text(encoding="utf-8")
            text = text.replace("[settings]\n", f"[settings]\nchunk_size = {chunk_size}\n", 1)
            pointed.path.write_text(text, encoding="utf-8")
        env = {
            **os.environ,
            **pointed.env,
            "KOPPEL_SECRET_KEY": Fernet.generate_key().decode(),
            "KOPPEL_LOG_LEVEL": "warning",
        }
        env.pop("KOPPEL_TEST_CRASH_AT", None)
        grant_tokens(state, pointed.connections, {"eaccounting": ea, "accountview": av}, env)
        yield ServedOrders(ea, av, pointed.path, env)


def grant_tokens(
    state: str,
    connections: Mapping[str, SandboxEndpoint],
    boxes: Mapping[str, Sandbox],
    env: Mapping[str, str],
) -> None:
    """Store a token granted by each connection's sandbox, as ``koppel auth`` would."""
    key = os.environ.get("KOPPEL_SECRET_KEY")
    os.environ["KOPPEL_SECRET_KEY"] = env["KOPPEL_SECRET_KEY"]
    try:
        with open_state(state) as store:
            tokens = store.token_store()
            for name, endpoint in connections.items():
                oauth = boxes[endpoint.system].oauth
                if oauth is not None:
                    tokens.save(name, oauth.grant())
    finally:
        if key is None:
            os.environ.pop("KOPPEL_SECRET_KEY", None)
        else:
            os.environ["KOPPEL_SECRET_KEY"] = key
