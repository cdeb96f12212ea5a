"""Run by the state tests as a separate process: ``python state_worker.py JOB JSON-ARGS``.

Each job touches the file ``ready`` names and waits for the file ``go`` names, so that
every process starts together, then prints its result as JSON on standard output.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from koppel.http import OAuthToken
from koppel.state import open_state


def _wait(args: dict[str, Any]) -> None:
    Path(args["ready"]).touch()
    go = args["go"]
    deadline = time.monotonic() + 60
    while not Path(go).exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go")
        time.sleep(0.005)


def numbers(args: dict[str, Any]) -> Any:
    with open_state(args["url"], schema=args["schema"]) as store:
        _wait(args)
        return [store.next_number("debtors", 1000, 999_999) for _ in range(args["count"])]


def refresh(args: dict[str, Any]) -> Any:
    def exchange(current: OAuthToken) -> OAuthToken:
        with open(args["log"], "a") as log:  # one line per token endpoint call
            log.write(f"{os.getpid()} {current.refresh_token}\n")
        if args.get("die"):
            os._exit(3)  # killed between the endpoint's answer and the save
        time.sleep(0.2)
        return OAuthToken(
            f"access-{os.getpid()}",
            f"refresh-{os.getpid()}",
            datetime.now(UTC) + timedelta(seconds=600),
        )

    with open_state(args["url"], schema=args["schema"]) as store:
        tokens = store.token_store()
        seen = tokens.load("exact")
        _wait(args)
        new = tokens.refresh("exact", seen, exchange)
        return new.refresh_token


if __name__ == "__main__":
    job, raw = sys.argv[1], sys.argv[2]
    print(json.dumps({"numbers": numbers, "refresh": refresh}[job](json.loads(raw))))
