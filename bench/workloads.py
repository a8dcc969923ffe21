"""The three benchmark workloads (bureau, city, province) and their JSON-lines files.

bureau: ZJG, 12 departments, one quarter; city: ZZ, 76 units in three series, one year (a panel
of 150 rates every unit); province: QF, 200,000 staff in groups of 100, one quarter (about ten
million ratings). Facts carry ids that route to their stream (`<subject>:...`, `joint:...`), as
the ledger requires; period and recorder are stamped on import, as `record_facts` does. Facts are
generated one at a time and written as they come (a province never held as a list), and the
appeals filed after publication (some upheld with a correction, the others rejected) go into the
log before it is replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson

from bench.offices import Offices
from bench.province import Province
from domain.scheme.loader import load_scheme_file
from domain.scheme.model import Scheme

ROOT = Path(__file__).resolve().parents[1]
SCHEMES = {"bureau": "zjg.yaml", "city": "zz.yaml", "province": "qf.yaml"}
PERIODS = {"bureau": "2026-Q1", "city": "2026", "province": "2026-Q1"}
CITY_SERIES = {"series1": 18, "series2": 44, "series3": 14}
#: deductions and bonuses per unit (scaled by the unit's level), raters of a role with several, and the
#: share of the scale a unit of level 0 is rated at (plus `spread` times its level, 0 to 1)
RATES = {
    "bureau": {"deductions": 10, "bonuses": 4, "many": 3, "rated": 0.72, "spread": 0.25},
    "city": {"deductions": 8, "bonuses": 7, "many": 150, "rated": 0.80, "spread": 0.17},
}


class Source(Protocol):
    """Where a workload's facts come from (bench/offices.py, bench/province.py): its facts in log order,
    then, once they have all been produced, the appeals, the what-if's changed fact and the probes."""

    subjects: list[dict[str, Any]]

    def facts(self) -> Iterator[dict[str, Any]]: ...
    def appeals(self) -> list[dict[str, Any]]: ...
    def whatif(self) -> dict[str, Any]: ...
    def probe(self, n: int) -> dict[str, Any]: ...


@dataclass
class Workload:
    """One workload: its scheme, period and subjects, and a fresh source of its facts on demand."""

    name: str
    scheme: Scheme
    period: str
    source: Callable[[], Source]
    subjects: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # facts by type, once written
    streams: int = 0
    written: Source | None = None  # the source the file was written from (appeals, what-if, probes)

    def __post_init__(self) -> None:
        self.subjects = self.source().subjects

    @property
    def facts(self) -> list[dict[str, Any]]:
        """Every fact as a list (small workloads and tests only)."""
        return list(self.source().facts())

    @property
    def events(self) -> int:
        """Events the import appends: subjects, one stream opening per subject or joint, facts."""
        return len(self.subjects) + self.streams + sum(self.counts.values())

    def write(self, path: Path) -> Source:
        """Write the workload as a facts file, one JSON object per line, subjects first; returns the source,
        whose appeals, what-if and probes are ready then."""
        source, streams, counts = self.source(), set(), {}
        with path.open("wb") as out:
            for subject in self.subjects:
                out.write(orjson.dumps({"type": "subject", **subject}) + b"\n")
            for fact in source.facts():
                streams.add(fact["id"].split(":", 1)[0])
                counts[fact["type"]] = counts.get(fact["type"], 0) + 1
                out.write(orjson.dumps(fact) + b"\n")
        self.counts, self.streams, self.written = counts, len(streams), source
        return source


def scheme_of(name: str) -> Scheme:
    return load_scheme_file(ROOT / "schemes" / SCHEMES[name])


def build(name: str, seed: int = 2026, scale: float = 1.0) -> Workload:
    """A workload by name; `scale` shrinks the number of staff (the province) or the facts per unit."""
    scheme = scheme_of(name)
    if name == "province":
        staff = max(1, int(200_000 * scale))
        return Workload(name, scheme, PERIODS[name], lambda: Province(scheme, seed, staff))
    if name == "bureau":
        units = [{"id": f"s{i:03d}", "name": f"科室{i}", "group": "all", "kind": "department"} for i in range(1, 13)]
    else:
        units = [
            {"id": f"u{n:02d}", "name": f"单位{n}", "group": group, "kind": "unit"}
            for n, group in enumerate((g for g, count in CITY_SERIES.items() for _ in range(count)), start=1)
        ]
    rates = dict(RATES[name])
    rates.update(deductions=rates["deductions"] * scale, bonuses=rates["bonuses"] * scale,
                 many=max(1, int(rates["many"] * scale)))
    return Workload(name, scheme, PERIODS[name], lambda: Offices(scheme, units, seed, rates))


def read(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a facts file written by `Workload.write`."""
    with path.open("rb") as source:
        for line in source:
            yield orjson.loads(line)
