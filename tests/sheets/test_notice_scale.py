"""The 公示 of a large period (issue 12, sixteenth round): its list is drawn row by row with fpdf2's lowest calls
(service/sheets/pdf.py `_Grid`), and its rows are read from the views decoding one stored result at a time
(service/readers.py `Decoded`). What a reader of the printed notice relies on: every row once, in order, the
heading at the top of every page, no text outside its cell or below the page's margin."""

from __future__ import annotations

import re
import shutil
import subprocess
import weakref
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from service import readers
from service.bootstrap import Service, build
from service.demo import load_demo
from service.settings import Settings
from service.sheets.pdf import CELL_PAD, MARGIN, publication_pdf
from service.sheets.publication import Notice, Proof, Row
from tests.signing import TEST_KEY

PT_PER_MM = 72 / 25.4
LONG_NAME = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # one word no column of 34 mm holds: broken between characters
LONG_REMARK = "一票否决：发生重大安全生产责任事故（二.(三)）；未完成全部测评"


def _notice(count: int) -> Notice:
    rows = [
        Row(n + 1, LONG_NAME if n == 7 else f"干部{n:05d}", [f"{90 + n % 10}.50", f"{n % 9}.25"], f"{95 + n % 5}.75",
            "好" if n % 3 else "较好", LONG_REMARK if n % 17 == 3 else "")
        for n in range(count)
    ]
    return Notice(title="2026年第一季度考核结果公示", paragraph="现将考核结果予以公示。", annex="附件：考核结果",
                  columns=["名次", "被考核对象", "共性指标", "个性指标", "总分", "等次", "备注"], rows=rows,
                  signer="某某局", signed_on="2026年3月30日",
                  proof=Proof(12, "qf", 3, 45, "ab" * 32, None, "http://x.test/verify/2026-Q1?position=12"))


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed: apt-get install -y poppler-utils")
    target = tmp_path_factory.mktemp("notice") / "notice.pdf"
    target.write_bytes(publication_pdf(_notice(150)))
    return target


def _pages(target: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, check=True, text=True).stdout
    return text.split("\f")[:-1]


def test_every_row_is_printed_once_in_order_under_a_heading_on_every_page(printed: Path) -> None:
    pages = _pages(printed)
    assert len(pages) >= 4  # 150 rows: the list runs over several pages
    ranks: list[int] = []
    for page in pages:
        lines = [line.split() for line in page.splitlines() if line.strip()]
        if any(re.fullmatch(r"\d+", words[0]) for words in lines):
            heading = next(n for n, words in enumerate(lines) if words[:2] == ["名次", "被考核对象"])
            first = next(n for n, words in enumerate(lines) if re.fullmatch(r"\d+", words[0]))
            assert heading < first  # each page's rows under that page's heading
        ranks += [int(words[0]) for words in lines if re.fullmatch(r"\d+", words[0]) and len(words) >= 4]
    assert ranks == list(range(1, 151))
    whole = "".join(pages)
    assert whole.count("干部00149") == 1 and "95.75" in whole and "较好" in whole


def test_no_text_leaves_its_cell(printed: Path) -> None:
    """The name column is 34 mm from 12 mm in; a word wider than it is broken between characters, and a long
    remark wraps inside the last column: every word box lies inside its column."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(printed), "-"], capture_output=True, check=True, text=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', boxes)
    bottom = (297 - MARGIN) * PT_PER_MM
    assert all(float(y) <= bottom for _, _, y, _ in words)  # a row that would cross the margin starts a page
    words = [(a, b, w) for a, b, _, w in words]
    name_left, name_right = (MARGIN + 12) * PT_PER_MM, (MARGIN + 12 + 34) * PT_PER_MM
    pieces = [(float(a), float(b), w) for a, b, w in words if w and set(w) <= set(LONG_NAME)
              and not w.isdigit() and len(w) > 3]
    assert "".join(w for _, _, w in pieces) == LONG_NAME  # printed whole, in several lines
    assert len(pieces) >= 2
    assert all(name_left <= a and b <= name_right - CELL_PAD * PT_PER_MM + 0.5 for a, b, _ in pieces), pieces
    page_right = (210 - MARGIN) * PT_PER_MM
    assert all(float(b) <= page_right + 0.5 for _, b, _ in words)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path_factory.mktemp("scan") / "data", demo=True))
    load_demo(service, "2026-03-20T10:00:00+08:00")
    yield service
    service.close()


def test_a_scan_holds_one_decoded_result_at_a_time(demo: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page of decoded scorecards held at once is what Python's collector walks again and again: the 公示 of a
    province spent 9/10 of its read there. Every decoded result is tracked; while one is visited, at most it, the
    one before it (the loop's variable until rebound) and the heading are alive, whatever the page's size."""
    from service import queries

    class Tracked(dict):  # type: ignore[type-arg]  # a dict that can be watched by a weak reference
        pass

    decoded: list[weakref.ref[Tracked]] = []

    def loads(data: bytes | str) -> Any:
        found = orjson.loads(data)
        if isinstance(found, dict):
            found = Tracked(found)
            decoded.append(weakref.ref(found))
        return found

    monkeypatch.setattr(readers, "orjson", SimpleNamespace(loads=loads, dumps=orjson.dumps))
    most: list[int] = []
    seen: list[str] = []

    def visit(subject: dict[str, Any]) -> None:
        seen.append(subject["subject"])
        most.append(sum(ref() is not None for ref in decoded))

    queries.scan(demo, "2026-Q1", None, visit, size=10)
    assert len(seen) == 12 and len(set(seen)) == 12
    assert max(most) <= 3, most  # a page of 10 held decoded would show 10 or more


def _text_of(notice: Notice, where: Path) -> list[str]:
    target = where / "notice.pdf"
    target.write_bytes(publication_pdf(notice))
    return _pages(target)


def test_the_heading_is_never_left_alone_at_the_foot_of_a_page(tmp_path: Path) -> None:
    """A paragraph long enough to bring the list near the foot of the first page, at every length around it: the
    heading goes to the page its first row goes to (from review: it was drawn into the bottom margin alone)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed: apt-get install -y poppler-utils")
    tried = 0
    for n in range(120, 140):  # the reviewer's case is 130 sentences; these lengths bring the foot past the list
        notice = _notice(3)
        notice.paragraph = "这是一段公示正文。" * n
        for page in _text_of(notice, tmp_path):
            lines = [line.split() for line in page.splitlines() if line.strip()]
            at = next((k for k, words in enumerate(lines) if words[:2] == ["名次", "被考核对象"]), None)
            if at is not None:
                tried += 1
                assert any(re.fullmatch(r"\d+", words[0]) for words in lines[at + 1:]), (n, page[-300:])
    assert tried >= 20


def test_a_row_taller_than_a_page_is_carried_over_whole(tmp_path: Path) -> None:
    """A remark of 2,000 characters: every character printed, none below the margin, the heading above each part
    (from review: the row ran 600 mm past the foot of the page, its text lost)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed: apt-get install -y poppler-utils")
    notice = _notice(3)
    notice.rows[1].remark = "因" * 2000
    pages = _text_of(notice, tmp_path)
    assert sum(page.count("因") for page in pages) == 2000
    assert sum(page.count("名次") for page in pages) == len(pages) >= 3
    boxes = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "notice.pdf"), "-"], capture_output=True,
                           check=True, text=True).stdout
    bottom = (297 - MARGIN) * PT_PER_MM
    assert all(float(y) <= bottom for y in re.findall(r'yMax="([\d.]+)"', boxes))
