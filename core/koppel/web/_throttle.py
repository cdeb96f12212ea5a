"""Failed sign-ins slow a guesser down: after a few for one name from one address, the
sign-in page refuses that pair for a while, even with the right password."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """At most ``attempts`` failed sign-ins per (address, name) in ``window`` seconds.

    Kept in the server's memory: a restart forgets it, and each ``koppel serve``
    process counts for itself.
    """

    def __init__(
        self,
        attempts: int = 5,
        window: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def wait(self, address: str, name: str) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: now)."""
        with self._lock:
            recent = self._recent((address, name.casefold()))
            if len(recent) < self.attempts:
                return 0.0
            return max(recent[0] + self.window - self._clock(), 0.0)

    def failed(self, address: str, name: str) -> None:
        """Count a failed sign-in."""
        with self._lock:
            key = (address, name.casefold())
            self._failures[key] = [*self._recent(key), self._clock()]

    def succeeded(self, address: str, name: str) -> None:
        """Forget the failures of a pair that signed in."""
        with self._lock:
            self._failures.pop((address, name.casefold()), None)

    def _recent(self, key: tuple[str, str]) -> list[float]:
        since = self._clock() - self.window
        return [moment for moment in self._failures.get(key, []) if moment > since]
