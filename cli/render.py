"""Rich rendering: the ranked table and a subject's explanation tree."""

from __future__ import annotations

from decimal import Decimal

from rich.table import Table
from rich.tree import Tree

from domain.numbers import canonical_str
from domain.scoring.results import Line, NodeResult, PeriodResult, SubjectResult

_STYLE = {"counted": "", "superseded": "yellow", "exempted": "cyan", "retracted": "red", "corrected": "magenta"}


def n(value: Decimal | None) -> str:
    return "" if value is None else canonical_str(value)


def ranking_table(result: PeriodResult) -> Table:
    table = Table(
        title=f"{result.scheme} v{result.scheme_version} · {result.period} · scheme {result.scheme_hash[:12]}"
    )
    outcomes = [o.id for o in result.subjects[0].outcomes or []] if result.subjects else []
    for column in ("group", "rank", "subject", "name", "total", "grade", *outcomes, "eligible", "flags"):
        table.add_column(column, justify="right" if column in ("rank", "total") else "left")
    for s in result.subjects:
        further = [o.grade or "—" for o in s.outcomes or []]  # G5: each further outcome beside the grade
        table.add_row(
            s.group,
            str(s.rank),
            s.subject,
            s.name,
            n(s.total),
            s.grade or "—",
            *further,
            "yes" if s.eligible else "no",
            ", ".join(s.flags),
        )
    return table


def explanation_tree(subject: SubjectResult) -> Tree:
    head = (
        f"[bold]{subject.subject} {subject.name}[/] total {n(subject.total)} · rank {subject.rank} in {subject.group}"
    )
    tree = Tree(head + (f" · grade {subject.grade}" if subject.grade else ""))
    for reason in subject.grade_reasons:
        tree.add(f"[italic]{reason}[/]")
    for outcome in subject.outcomes or []:
        branch = tree.add(f"{outcome.id}: {outcome.grade or '—'}")
        for reason in outcome.reasons:
            branch.add(f"[italic]{reason}[/]")
    for line in subject.decisions:
        tree.add(f"[{_STYLE[line.status] or 'white'}]{line.note} · {_who(line)}[/]")
    _node(tree, subject.card)
    return tree


def _node(parent: Tree, node: NodeResult) -> None:
    bits = [
        f"[bold]{node.id}[/] {node.title}",
        f"{n(node.applied)}" + (f"/{n(node.max)}" if node.max is not None else ""),
    ]
    if node.cut:
        bits.append(f"[yellow]cut {n(node.cut)}[/]" + (f" ({', '.join(node.cut_facts)})" if node.cut_facts else ""))
    if node.overflow:
        bits.append(f"[red]overflow {n(node.overflow)} to total[/]")
    if node.weight is not None:
        bits.append(f"× {n(node.weight)}")
    bits.append(f"[dim]{' '.join(node.rules)} {node.article or ''} {node.office or ''}[/]")
    branch = parent.add(" · ".join(bits))
    for flag in node.incomplete:
        branch.add(f"[red]{flag}[/]")
    for line in node.lines:
        style = _STYLE[line.status]
        text = f"{n(line.points)} · {line.note} · {_who(line)}"
        branch.add(f"[{style}]{text}[/]" if style else text)
    for child in node.children:
        if child.raw or child.applied or child.lines or child.children:
            _node(branch, child)


def _who(line: Line) -> str:
    """Which facts, their status, and who recorded them."""
    return f"{', '.join(line.facts)} · {line.status} · by {', '.join(line.recorded_by)}"
