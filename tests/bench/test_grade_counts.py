"""The bench's grade distribution (bench/measure_replay.py `Grades`) does not depend on where the result
stream is cut into pieces: the full-scale province once showed 199,999 subjects of 200,000 because a
subject result cut between two pieces was counted as ungraded or not at all."""

from __future__ import annotations

from bench.measure_replay import Grades


def _stream() -> bytes:
    results = []
    for index in range(40):
        grade = f'"grade":"{["好", "较好", "一般", "较差"][index % 4]}",'.encode() if index % 5 else b""
        reasons = b'"outside the quota"' if index % 7 == 0 else b""
        results.append(b'{"card":{"id":"root","lines":[]},"eligible":true,%s"grade_reasons":[%s],"subject":"s%d"}'
                       % (grade, reasons, index))
    return b'{"period":"2026-Q1","subjects":[' + b",".join(results) + b"]}"


def _counted(data: bytes, size: int) -> tuple[int, dict[str, object]]:
    grades = Grades()
    for start in range(0, len(data), size):
        grades.count(data[start:start + size])
    grades.finish()
    return grades.subjects, grades.shares()


def test_the_counts_are_the_same_however_the_stream_is_cut() -> None:
    data = _stream()
    whole = _counted(data, len(data))
    assert whole[0] == 40
    assert whole[1]["(none)"] == 8 and whole[1]["quota_cut"] == 6
    for size in (1, 7, 13, 64, 100, 333):
        assert _counted(data, size) == whole, size
