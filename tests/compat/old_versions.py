"""The scheme versions shipped before issue 13 and the periods their results are pinned on.

`python -m tests.compat.old_versions` (run once, at main a123952, before any engine change)
wrote digests.json: for each old scheme file, its content hash and, for generated periods,
the SHA-256 of the facts and of the canonical results. tests/compat/test_old_versions.py scores
the same periods with today's engine and compares: a stored scheme document of an older
version must keep its meaning, byte for byte, so existing seals still verify.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.generate import facts_for, subjects_for
from domain.canonical import sha256_hex
from domain.scheme.loader import load_scheme_file
from domain.scheme.model import Scheme
from domain.scoring import score_period, score_year

HERE = Path(__file__).resolve().parent
DIGESTS = HERE / "digests.json"
PERIOD = {"quarter": "2026-Q1", "half": "2026-H1", "year": "2026"}
#: (seed, subjects, facts per subject, groups)
SHAPES = [(1, 1, 0, 1), (2, 7, 20, 2), (3, 12, 60, 3), (4, 25, 40, 3), (5, 40, 15, 4)]


def old_schemes() -> dict[str, Scheme]:
    return {p.name.split(".")[0]: load_scheme_file(p) for p in sorted((HERE / "schemes").glob("*.v1.yaml"))}


def pinned(scheme: Scheme) -> dict[str, Any]:
    """The content hash and, per shape, the facts' and the results' digests."""
    periods = []
    for seed, count, per_subject, groups in SHAPES:
        subjects = subjects_for(scheme, count, groups=groups)
        period = PERIOD[scheme.period.kind]
        facts = facts_for(scheme, subjects, period, seed, per_subject=per_subject)
        result = score_period(scheme, subjects, facts, period)
        periods.append({"shape": [seed, count, per_subject, groups], "facts": sha256_hex(facts),
                        "results": sha256_hex(result.canonical().decode())})
    out: dict[str, Any] = {"content_hash": scheme.content_hash, "periods": periods}
    if scheme.year is not None:
        subjects = subjects_for(scheme, 9, groups=2)
        facts = [f for q, seed in (("2026-Q1", 5), ("2026-Q3", 6)) for f in facts_for(scheme, subjects, q, seed, 15)]
        out["year"] = sha256_hex(score_year(scheme, subjects, facts, "2026").canonical().decode())
    return out


def main() -> None:
    digests = {name: pinned(scheme) for name, scheme in old_schemes().items()}
    DIGESTS.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
