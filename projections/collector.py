"""A pause of the cyclic garbage collector around bulk work whose objects all stay alive.

One implementation (domain.canonical.paused_gc): pauses nest and overlap across threads, and
the last one out restores the collector as the first one found it.
"""

from __future__ import annotations

from domain.canonical import paused_gc as collector_paused

__all__ = ["collector_paused"]
