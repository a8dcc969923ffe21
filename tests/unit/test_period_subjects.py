"""A period keeps its subjects as registered, their repeated strings shared (issue 12: a province's 200,000
subjects are held by every process that loads the period, the publish's among them)."""

from __future__ import annotations

import json

from domain.ledger.period import Period

AT = "2026-04-01T09:00:00+08:00"


def decoded(n: int, **extra: str) -> dict:
    """A subject as the store hands it back: every key and value a new string (each event decoded anew)."""
    return json.loads(json.dumps({"id": f"u{n}", "name": f"单位{n}", "group": "乡镇", "kind": "unit", **extra}))


def test_subjects_are_kept_as_registered_with_their_keys_group_kind_and_unit_shared() -> None:
    period = Period(code="2026-Q1", bureau="default", scheme="county", scheme_version=1, scheme_hash="0" * 64,
                    actor="admin", at=AT)
    registered = [decoded(1, unit="科室一"), decoded(2, unit="科室一"), decoded(3)]
    for subject in registered:
        period.register_subject(subject, "admin", AT)

    kept = [period.subjects[s["id"]] for s in registered]
    assert kept == registered  # the same keys and values, in the same order
    assert [list(k) for k in kept] == [list(s) for s in registered]
    first, second, third = kept
    assert registered[0]["group"] is not registered[1]["group"]  # decoded apart ...
    assert first["group"] is second["group"] is third["group"]  # ... kept once
    assert first["kind"] is second["kind"] is third["kind"]
    assert first["unit"] is second["unit"]
    for a, b in ((first, second), (second, third)):
        assert all(x is y for x, y in zip(a, b, strict=False))  # the keys
    assert first["name"] == "单位1" and first["id"] == "u1"
