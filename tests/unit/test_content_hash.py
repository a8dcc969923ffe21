"""The scheme's content hash covers every value, and nothing else: not comments, not layout."""

from __future__ import annotations

from decimal import Decimal

import pytest
from catalog_support import QUARTER, ROOT, ZJG, score, subject

from domain.canonical import canonical_bytes, sha256_hex
from domain.numbers import canonical_str
from domain.scheme.loader import load_scheme_text

BLOCK = """\
# ZJG 第二章第一条 二 (人员管理), an excerpt
scheme: T
version: 1
title: 人员管理
period:
  kind: quarter
subject_kinds:
  department: 科室
tree:
  id: total
  title: 季度考核得分
  children:
    - id: "2"
      title: 人员管理情况
      basis: deduct
      max: 15
      children:
        - id: "2.1"
          title: 迟到、早退
          deduct:
            per: 0.5     # 每人次扣0.5分
        - id: "2.2"
          title: 旷工
          deduct:
            per: 1
"""

FLOW_REORDERED = """\
version: 1
scheme: "T"
title: '人员管理'
subject_kinds: {department: 科室}
period: {kind: quarter}
tree: {title: 季度考核得分, id: total, children: [
  {max: 15, basis: deduct, id: '2', title: 人员管理情况, children: [
    {deduct: {per: 0.5}, title: 迟到、早退, id: '2.1'},
    {title: 旷工, id: '2.2', deduct: {per: 1}}]}]}
"""


def hash_of(text: str) -> str:
    return load_scheme_text(text).content_hash


def test_comments_layout_quoting_and_key_order_do_not_change_the_hash() -> None:
    assert hash_of(BLOCK) == hash_of(FLOW_REORDERED)
    assert hash_of(BLOCK) == hash_of(BLOCK.replace("# ZJG", "# a different comment about ZJG"))


def test_the_same_number_written_differently_has_the_same_hash() -> None:
    """Numbers are hashed in their canonical text: 0.50 is 0.5 and 1.0 is 1."""
    assert hash_of(BLOCK) == hash_of(BLOCK.replace("per: 0.5 ", "per: 0.50"))
    assert hash_of(BLOCK) == hash_of(BLOCK.replace("per: 1\n", "per: 1.0\n"))
    assert hash_of(BLOCK) == hash_of(BLOCK.replace("max: 15", "max: 15.00"))


def test_a_default_written_out_has_the_same_hash_as_the_default_left_out() -> None:
    """`basis: sum` is the default of a section: the value is the same either way."""
    explicit = BLOCK.replace("  title: 季度考核得分\n", "  title: 季度考核得分\n  basis: sum\n")
    assert hash_of(BLOCK) == hash_of(explicit)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("per: 0.5 ", "per: 0.6 "),  # a value
        ("max: 15", "max: 14"),  # a maximum
        ("title: 迟到、早退", "title: 迟到"),  # a title
        ("version: 1", "version: 2"),  # the version
        ("kind: quarter", "kind: year"),  # the period
    ],
)
def test_a_changed_value_changes_the_hash(old: str, new: str) -> None:
    assert old in BLOCK
    assert hash_of(BLOCK) != hash_of(BLOCK.replace(old, new))


def test_the_order_of_items_is_part_of_the_content() -> None:
    """Children are a list: their order is shown in every scorecard, so it is hashed."""
    first, second = BLOCK.index('        - id: "2.1"'), BLOCK.index('        - id: "2.2"')
    swapped = BLOCK[:first] + BLOCK[second:] + BLOCK[first:second]
    assert load_scheme_text(swapped).tree.children[0].children[0].id == "2.2"  # type: ignore[union-attr]
    assert hash_of(BLOCK) != hash_of(swapped)


def test_the_shipped_scheme_hashes_the_same_on_every_load() -> None:
    text = (ROOT / "schemes" / "zjg.yaml").read_text(encoding="utf-8")
    assert load_scheme_text(text).content_hash == ZJG.content_hash
    assert len(ZJG.content_hash) == 64 and int(ZJG.content_hash, 16) >= 0


def test_every_result_is_bound_to_the_hash_of_its_scheme() -> None:
    result = score(ZJG, [subject("a")], [])
    assert (result.scheme, result.scheme_version, result.scheme_hash, result.period) == (
        "ZJG",
        2,
        ZJG.content_hash,
        QUARTER,
    )


def test_numbers_have_one_canonical_text() -> None:
    assert canonical_str(Decimal("89.50")) == "89.5"
    assert canonical_str(Decimal("1E+2")) == "100"
    assert canonical_str(Decimal("-0.00")) == "0"
    assert canonical_str(Decimal("0.10")) == "0.1"
    with pytest.raises(ValueError):
        canonical_str(Decimal("NaN"))


def test_canonical_bytes_sort_keys_write_decimals_as_text_and_refuse_floats() -> None:
    assert canonical_bytes({"b": Decimal("1.50"), "a": [Decimal(2), "x"]}) == b'{"a":["2","x"],"b":"1.5"}'
    assert sha256_hex({"a": 1}) == sha256_hex({"a": 1})
    with pytest.raises(TypeError):
        canonical_bytes({"a": 0.5})
