"""Failed sign-ins slow down further tries, per account and per address.

After FREE failures in a row, each further try must wait twice as long as the last since
the latest failure (1 s, 2 s, 4 s, ... up to CAP). A success clears the account's count.
Kept in memory: a restart forgets, and several processes each count their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

FREE = 3
CAP = 900  # seconds
KEEP = 10_000  # keys remembered (the oldest forgotten first)


@dataclass
class _Failures:
    count: int
    last: float


class SignInThrottle:
    """Counts failures by key ("user:…", "addr:…") and says how long a key must still wait."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> int:
        """Seconds left before any of the keys may try again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [self._left(self._failures.get(k), now) for k in keys]
        return max(waits, default=0)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                found = self._failures.pop(key, None) or _Failures(0, now)
                self._failures[key] = _Failures(found.count + 1, now)
            while len(self._failures) > KEEP:
                self._failures.popitem(last=False)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    @staticmethod
    def _left(found: _Failures | None, now: float) -> int:
        if found is None or found.count < FREE:
            return 0
        delay = min(CAP, 2 ** (found.count - FREE))
        return max(0, int(found.last + delay - now + 0.999))
