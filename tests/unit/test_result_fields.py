"""service.readers.without_card cuts a subject result's canonical bytes at its last `,"decisions":`: that holds
only while "card" is the one field sorting before "decisions" and no later field nests a "decisions" key."""

from __future__ import annotations

from domain.scoring.results import Line, OutcomeResult, SubjectResult


def test_card_is_the_only_subject_result_field_sorting_before_decisions() -> None:
    fields = sorted(SubjectResult.model_fields)
    assert fields[: fields.index("decisions")] == ["card"]


def test_no_field_after_decisions_nests_a_decisions_key() -> None:
    for model in (Line, OutcomeResult):
        assert "decisions" not in model.model_fields, model.__name__
