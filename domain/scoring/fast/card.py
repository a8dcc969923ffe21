"""One subject's scorecard, folded over its lines as domain/scoring/tree.py folds it, straight to bytes.

`numbers` folds the tree for the totals alone (the D4/B2 search tries every choice of rivals);
`build` folds it once more with every node's canonical bytes. Nodes are those of the reference
plan (domain/scoring/plan.py): the same headers, children, rating constants and rounding.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any

from domain.numbers import SCORING_CONTEXT, ZERO
from domain.scheme.model import Scheme
from domain.scheme.nodes import Basis, BonusItem, DeductionItem, Node, RatingItem, Section
from domain.scoring.applicability import applies
from domain.scoring.fast import encode
from domain.scoring.fast.lines import FastLine
from domain.scoring.fast.plain import PlainItem
from domain.scoring.plan import plan_for

_DEDUCT_RULES = {"per": "D1", "graded": "D6", "range": "D1", "zero_item": "D5", "shortfall": "D9",
                 "repeats": "D10", "shares": "D11", "in_proportion": "D9"}
_BONUS_RULES = {"per": "B1", "levels": "B1", "rank_award": "B4", "steps": "B5", "range": "B1"}
Lines = dict[str, list[FastLine]]


class Built:
    """A folded node: its applied points and overflow, weight, its own lines or children, and its bytes."""

    __slots__ = ("applied", "children", "encoded", "lines", "missing", "node_id", "overflow", "weight")

    def __init__(self, node_id: str, applied: Decimal, overflow: Decimal, weight: Decimal | None,
                 lines: list[FastLine], encoded: bytes | None, children: list[Built] | None = None):
        self.node_id, self.applied, self.overflow, self.weight = node_id, applied, overflow, weight
        self.lines, self.encoded, self.children = lines, encoded, children
        self.missing = False  # a rating item some role has not rated (R1)

    def every(self) -> list[FastLine]:
        """Every line under the node (tree._all_lines)."""
        if self.children is None:
            lines = self.lines
            return lines.every() if type(lines) is PlainItem else lines  # type: ignore[attr-defined,no-any-return]
        return [line for child in self.children for line in child.every()]


class Header:
    """A node's bytes for a subject of a group, as %-templates around the numbers and lists that vary.

    NodeResult keys in order: applied, article, children, cut, cut_facts, id, incomplete, lines, max,
    office, overflow, raw, rules, title, weight."""

    __slots__ = ("item", "rating", "section")

    def __init__(self, base: dict[str, Any], top: Decimal | None):
        def fixed(value: bytes) -> bytes:
            return value.replace(b"%", b"%%")

        article = fixed(b',"article":' + encode.text(base["article"])) if base["article"] is not None else b""
        node_id = fixed(b',"id":' + encode.text(base["id"]))
        top_office = (b',"max":' + encode.number(top) if top is not None else b"") + (
            fixed(b',"office":' + encode.text(base["office"])) if base["office"] is not None else b"")
        weight = base["weight"]
        title = fixed(b',"title":' + encode.text(base["title"])) + (
            b',"weight":' + encode.number(weight) if weight is not None else b"") + b"}"
        # applied, cut, cut_facts, lines, raw, rules
        self.item = (b'{"applied":%s' + article + b',"children":[],"cut":%s,"cut_facts":%s' + node_id
                     + b',"incomplete":[],"lines":[%s]' + top_office + b',"overflow":"0","raw":%s,"rules":%s' + title)
        # applied, incomplete, lines, raw
        self.rating = (b'{"applied":%s' + article + b',"children":[],"cut":"0","cut_facts":[]' + node_id
                       + b',"incomplete":%s,"lines":[%s]' + top_office + b',"overflow":"0","raw":%s,"rules":'
                       + b'["R1","R2","R3"]' + title)
        # applied, children, cut, cut_facts, overflow, raw, rules
        self.section = (b'{"applied":%s' + article + b',"children":[%s],"cut":%s,"cut_facts":%s' + node_id
                        + b',"incomplete":[],"lines":[]' + top_office + b',"overflow":%s,"raw":%s,"rules":%s' + title)


class Memo:
    """The nodes of one subject's card as last folded (one way: numbers, explained or summary), by id, and
    the items whose lines changed since, with the lines added to each (FastScorer.extend adds them); and
    what the fold of an item's lines, or of a section's cut, keeps to take added lines alone (`Folded`,
    `Cut`, by node id)."""

    __slots__ = ("added", "changed", "folds", "nodes")

    def __init__(self) -> None:
        self.nodes: dict[str, Built] = {}
        self.changed: set[str] = set()
        self.added: dict[str, list[FastLine]] = {}
        self.folds: dict[str, Any] = {}

    def add(self, item: str, lines: list[FastLine]) -> None:
        """Lines added to an item's (FastScorer.extend): the item changed."""
        self.changed.add(item)
        found = self.added.get(item)
        if found is None:
            self.added[item] = list(lines)
        else:
            found.extend(lines)


class Cut:
    """`_beyond` of a node's lines kept (issue 12): the counted lines with points before the one whose points,
    taken in (date, id) order, passed the limit (their orders, absolute points and fact ids, in order), and
    from that one on (their orders and fact ids); so that lines added later are taken alone, wherever they land
    among the others (a fact's id is random). A line after the one that passed the limit only joins those beyond
    it (the points taken before it are the same); a line before it joins those before, whose points are taken
    again in order, as `_beyond` takes them, up to the one that passes the limit now (that one or an earlier).
    A limit not passed (a node cut has passed it) or a line of the same order as another: `take` says False,
    and the Cut is made again from every line."""

    __slots__ = ("before", "count", "ids", "limit", "orders")

    def __init__(self, lines: Sequence[FastLine], limit: Decimal):
        ordered = sorted(lines, key=_ORDER)
        self.limit, self.count = limit, len(ordered)
        self.orders: list[Any] = []
        self.ids: list[str] = []
        self.before: list[tuple[Any, Decimal, str]] = []
        taken, before = ZERO, []
        for at, line in enumerate(ordered):
            if line.status != "counted" or line.points == ZERO:
                continue
            points = abs(line.points)
            taken += points
            if taken > limit:
                beyond = [line for line in ordered[at:] if line.status == "counted" and line.points != ZERO]
                self.orders, self.ids = [line.order for line in beyond], [line.fact.id for line in beyond]
                self.before = before
                break
            before.append((line.order, points, line.fact.id))

    def take(self, added: Sequence[FastLine]) -> bool:
        """The lines added taken alone; False when one cannot be (the Cut is then to be made again)."""
        orders = self.orders
        if not orders:
            return False
        for line in added:
            if line.status == "counted" and line.points != ZERO:
                order = line.order
                if orders[0] < order:  # beyond the line that passed the limit
                    at = bisect_right(orders, order)
                    if orders[at - 1] == order:
                        return False
                    orders.insert(at, order)
                    self.ids.insert(at, line.fact.id)
                elif order < orders[0]:
                    if not self._before(order, abs(line.points), line.fact.id):
                        return False
                else:
                    return False
            self.count += 1
        return True

    def _before(self, order: Any, points: Decimal, fact: str) -> bool:
        """A line before the one that passed the limit: the points before it taken again in order (`_beyond`'s
        additions), those from the one that passes the limit now on put beyond."""
        before = self.before
        at = bisect_right(before, order, key=_FIRST)
        if at and before[at - 1][0] == order:
            return False
        before.insert(at, (order, points, fact))
        taken, limit = ZERO, self.limit
        for index, one in enumerate(before):
            taken += one[1]
            if taken > limit:
                moved = before[index:]
                del before[index:]
                self.orders[:0] = [one[0] for one in moved]
                self.ids[:0] = [one[2] for one in moved]
                break
        return True


class Folded:
    """What `_counted` reads of an item's lines, kept in the memo (issue 12): how many lines, the counted points'
    sum, the lines' statuses, whether a note names B6 (a bonus item's), the lines' bytes in order (once asked:
    the explained card) and the cut at the item's bound (`Cut`, once asked). Lines added later are taken alone
    wherever they land among the others: their points added to the sum (`_exact`: the sum `_counted` makes in the
    lines' order, whatever the order of the additions), their bytes put at their places. Where that cannot be
    (`take` says False: a sum that could round), the item is folded from every line again (its sum made in the
    lines' order); a cut that cannot take them is made again when asked."""

    __slots__ = ("absolute", "b6", "bonus", "count", "cut", "encoded", "exponent", "raw", "statuses")

    def __init__(self, lines: list[FastLine], bonus: bool):
        raw, absolute, exponent = _summed(lines, ZERO, ZERO, 0)
        self.raw, self.absolute, self.exponent, self.count, self.bonus = raw, absolute, exponent, len(lines), bonus
        self.statuses = set(map(_STATUS, lines))
        self.b6 = bonus and any("(B6)" in line.note for line in lines)
        self.cut: Cut | None = None
        self.encoded: list[bytes] | None = None

    def take(self, added: Sequence[FastLine], lines: list[FastLine]) -> bool:
        """The lines added (already among `lines`, the item's) taken alone; False when one cannot be (the item
        is then to be folded again)."""
        ordered = sorted(added, key=_ORDER)
        raw, absolute, exponent = _summed(ordered, self.raw, self.absolute, self.exponent)
        statuses = self.statuses
        for line in ordered:
            statuses.add(line.status)
            if self.bonus and not self.b6 and "(B6)" in line.note:
                self.b6 = True
        if not _exact(absolute, exponent):
            return False
        if self.cut is not None and not self.cut.take(ordered):
            self.cut = None  # made again from every line when asked
        encoded = self.encoded
        if encoded is not None:
            size = len(lines)
            for line in ordered:  # in order: each one's place among the lines is its place in the list so far
                at = bisect_left(lines, line.order, key=_ORDER)
                if at >= size or lines[at] is not line:  # one of the same order before it (no fact has two)
                    return False
                encoded.insert(at, line.encoded())
        self.raw, self.absolute, self.exponent, self.count = raw, absolute, exponent, self.count + len(ordered)
        return True

    def beyond(self, lines: list[FastLine], bound: Decimal) -> list[str]:
        """`_beyond(lines, bound)`, its Cut kept."""
        if self.cut is None:
            self.cut = Cut(lines, bound)
        return self.cut.ids

    def lines(self, lines: list[FastLine]) -> bytes:
        """The lines' bytes joined (the lines those taken)."""
        if self.encoded is None:
            self.encoded = [line.encoded() for line in lines]
        return b",".join(self.encoded)


def _summed(lines: Sequence[FastLine], raw: Decimal, absolute: Decimal, exponent: int) -> tuple[Decimal, Decimal, int]:
    """The counted lines' points added, in the lines' order, to a sum, the sum of their absolute values and their
    least exponent (what `_exact` needs to tell whether the order of the additions matters)."""
    for line in lines:
        if line.status == "counted":
            points = line.points
            raw += points
            absolute += abs(points)
            exponent = min(exponent, points.as_tuple().exponent)  # type: ignore[type-var]
    return raw, absolute, exponent


def _exact(absolute: Decimal, exponent: int) -> bool:
    """Whether every sum of numbers whose absolute values add up to `absolute` and whose exponents are at least
    `exponent` is exact in the scoring context (34 digits), whatever the order of the additions: then such a
    sum kept and added to is the sum made in the lines' order (issue 12)."""
    return absolute == ZERO or absolute.adjusted() - exponent < SCORING_CONTEXT.prec - 1


class CardFold:
    """The scorecard fold of one scheme (its plan), for subjects of one kind and group at a time."""

    def __init__(self, scheme: Scheme):
        self.scheme, self.plan = scheme, plan_for(scheme)
        self.headers: dict[tuple[str, str], Header] = {}
        self._by_office: dict[tuple[str, str | None], Header] = {}
        self._empties: dict[tuple[str, int], tuple[Any, ...]] = {}
        self.under: dict[str, frozenset[str]] = {}
        self._plains: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._compiled: dict[tuple[str, str], tuple[Any, ...] | None] = {}

    def total(self, card: Built) -> Decimal:
        """The subject's total (rounded at "total" when the scheme says)."""
        return self.plan.rounded("total", card.applied + card.overflow)

    def numbers(self, kind: str, group: str, lines: Lines, memo: Memo | None = None) -> Built | None:
        """The card's numbers alone (nothing encoded); `memo` as for `build`."""
        self.memo = memo
        try:
            return self._node(self.scheme.tree, kind, group, lines, False)
        finally:
            self.memo = None

    def build(self, kind: str, group: str, lines: Lines, applied: dict[str, Decimal] | None = None,
              incomplete: list[str] | None = None, explained: bool = True, memo: Memo | None = None) -> Built | None:
        """The card, or None when no node applies to the kind (the reference then builds an empty card);
        `applied` collects each node's applied points, by id, and `incomplete` the rating items missing a
        role (R1), in tree order, when given. Not `explained`: the card's summary, every node's lines
        left out (domain/scoring/summary.py).

        `memo` (the nodes folded last time for the same subject, kind, group and way, with the items whose
        lines changed since): a node none of whose items changed is taken as folded then, not folded again
        (its applied points and incomplete items noted as if it were); the nodes folded now are kept in it
        and its changed items cleared."""
        self.applied, self.incomplete, self.explained, self.memo = applied, incomplete, explained, memo
        try:
            if memo is None:  # the tree compiled for the kind and group: the same nodes, numbers and bytes
                program = self._general(kind, group)
                if program is None:
                    return None
                found = program[0](self, program, lines)
                return Built(program[1], found[0], found[1], found[2], _NONE, found[3])
            return self._node(self.scheme.tree, kind, group, lines, True)
        finally:
            self.applied = self.incomplete = self.memo = None
            self.explained = True

    explained = True

    applied: dict[str, Decimal] | None = None
    incomplete: list[str] | None = None
    memo: Memo | None = None

    def _node(self, node: Node, kind: str, group: str, lines: Lines, full: bool) -> Built | None:
        if not applies(node.applies_to, kind):
            return None
        memo = self.memo
        if memo is not None:
            found = memo.nodes.get(node.id)
            if found is not None and (not memo.changed or memo.changed.isdisjoint(self._under(node))):
                if full:
                    self._taken(found)
                return found
        if isinstance(node, Section):
            built = self._section(node, kind, group, lines, full)
        else:
            built = self._item(node, group, lines.get(node.id, []), full)
        if memo is not None and built is not None:
            memo.nodes[node.id] = built
            if node is self.scheme.tree:
                memo.changed.clear()
                memo.added.clear()
        return built

    def _under(self, node: Node) -> frozenset[str]:
        """The ids of the items at or under a node."""
        found = self.under.get(node.id)
        if found is None:
            if isinstance(node, Section):
                found = frozenset().union(*(self._under(c) for c in node.children))
            else:
                found = frozenset((node.id,))
            self.under[node.id] = found
        return found

    def _taken(self, built: Built) -> None:
        """A node taken from the memo: its nodes' applied points and incomplete items noted, in tree order."""
        if self.applied is not None:
            self.applied[built.node_id] = built.applied
        if built.missing and self.incomplete is not None:
            self.incomplete.append(built.node_id)
        for child in built.children or ():
            self._taken(child)

    def _done(self, built: Built) -> Built:
        if self.applied is not None:
            self.applied[built.node_id] = built.applied
        return built

    def _header(self, node: Any, group: str) -> Header:
        key = (node.id, group if self.plan.by_group else "")
        found = self.headers.get(key)
        if found is None:
            base = self.plan.header(node.id, group)
            # a node's header differs between groups by its office alone (Plan.header): one Header per office,
            # shared by the groups it records for (issue 12: the city's three groups compiled three of each)
            shared = (node.id, base["office"])
            found = self._by_office.get(shared)
            if found is None:
                found = self._by_office[shared] = Header(base, node.max)
            self.headers[key] = found
        return found

    # -- items ----------------------------------------------------------------------------------------

    def _item(self, item: Any, group: str, lines: Any, full: bool) -> Built:
        if type(lines) is PlainItem:
            return self._plain(item, group, lines, full)
        if isinstance(item, RatingItem):
            return self._rating(item, group, lines, full)
        if not lines and full:  # a deduction or bonus item without lines: the same node for every subject
            applied, _, weight, encoded, _ = self._empty_item(item, group)
            return self._done(Built(item.id, applied, ZERO, weight, lines, encoded))
        return self._counted(item, group, lines, full)

    def _empty_item(self, item: Any, group: str) -> tuple[Any, ...]:
        """A deduction or bonus item without lines, as a compiled node's result (applied, overflow, weight, bytes,
        lines): the same for every subject, and for every group sharing the item's header (all its bytes depend on)."""
        key = (item.id, id(self._header(item, group)))
        found = self._empties.get(key)
        if found is None:
            made = self._counted(item, group, [], True)
            found = self._empties[key] = (made.applied, ZERO, made.weight, made.encoded, _NONE)
        return found

    def _counted(self, item: Any, group: str, lines: list[FastLine], full: bool) -> Built:
        """A deduction or bonus item: its counted lines' points, capped (B3) and bounded by its max. With a memo,
        what it reads of the lines is kept there (`Folded`), and lines added since taken alone (issue 12)."""
        bound = min((b for b in (item.cap, item.max) if b is not None), default=None)
        folded = self._folded(item, lines) if self.memo is not None and type(lines) is list else None
        if folded is not None:
            raw = folded.raw
        else:
            raw = ZERO
            for line in lines:
                if line.status == "counted":
                    raw += line.points
        applied = raw if bound is None else max(min(raw, bound), -bound)
        weight = self.plan.base[item.id]["weight"]
        if not full:
            return Built(item.id, applied, ZERO, weight, lines, None)
        number = encode.number
        if folded is not None:
            rules = _item_rules_from(item, folded.statuses, folded.b6, applied != raw)
            cut_facts = folded.beyond(lines, bound) if applied != raw and bound is not None else []
            listed = folded.lines(lines) if self.explained else b""
        else:
            rules = _item_rules(item, lines, applied != raw)
            cut_facts = _beyond(lines, bound) if applied != raw and bound is not None else []
            listed = b",".join([line.encoded() for line in lines]) if self.explained else b""
        encoded = self._header(item, group).item % (
            number(applied), number(raw - applied), encode.texts(cut_facts), listed, number(raw), encode.texts(rules))
        built = Built(item.id, applied, ZERO, weight, lines, encoded)
        return self._done(built) if lines else built  # an empty item's is recorded by _item

    def _folded(self, item: Any, lines: list[FastLine]) -> Folded:
        """The item's `Folded` from the memo with the lines added since taken, or made from every line."""
        memo = self.memo
        found = memo.folds.get(item.id)  # type: ignore[union-attr]
        added = memo.added.get(item.id, _NONE)  # type: ignore[union-attr]
        if found is None or found.count + len(added) != len(lines) or not found.take(added, lines):
            found = memo.folds[item.id] = Folded(lines, isinstance(item, BonusItem))  # type: ignore[union-attr]
        return found  # type: ignore[no-any-return]

    def _cut(self, section: Section, children: list[Built], limit: Decimal) -> list[str]:
        """`_beyond` of every line under a section, its `Cut` kept in the memo and the lines added since taken."""
        memo = self.memo
        leaves: list[Built] = []
        _leaves(children, leaves)
        count, added = 0, []
        for leaf in leaves:
            if type(leaf.lines) is not list:
                return _beyond([line for c in children for line in c.every()], limit)
            count += len(leaf.lines)
            added += memo.added.get(leaf.node_id, _NONE)  # type: ignore[union-attr]
        found = memo.folds.get(section.id)  # type: ignore[union-attr]
        if found is None or found.limit != limit or found.count + len(added) != count or not found.take(added):
            every = [line for c in children for line in c.every()]
            found = memo.folds[section.id] = Cut(every, limit)  # type: ignore[union-attr]
        return found.ids  # type: ignore[no-any-return]

    def _rating(self, item: RatingItem, group: str, lines: list[FastLine], full: bool) -> Built:
        """R1-R3: each role's counted ratings averaged, the roles weighted, converted to the item's max."""
        plan = self.plan.ratings[item.id]
        by_role: dict[str, list[Decimal]] = {role: [] for role in plan.roles}
        for line in lines:
            if line.status == "counted":
                by_role[line.role].append(line.points)  # type: ignore[index]
        weighted, missing = ZERO, []
        for role, values in by_role.items():
            if values:
                weighted += plan.weights[role] * sum(values, ZERO) / len(values)
            else:
                missing.append(role)
        value = self.plan.rounded("ratings", weighted * item.max / plan.divisor)
        weight = self.plan.base[item.id]["weight"]
        if not full:
            return Built(item.id, value, ZERO, weight, lines, None)
        if missing:
            incomplete = encode.texts([f"no rating from role {r}" for r in sorted(missing)])
            if self.incomplete is not None:
                self.incomplete.append(item.id)
        else:
            incomplete = b"[]"
        shown = encode.number(value)
        encoded = self._header(item, group).rating % (
            shown, incomplete, b",".join([line.encoded() for line in lines]) if self.explained else b"", shown)
        built = Built(item.id, value, ZERO, weight, lines, encoded)
        built.missing = bool(missing)
        return self._done(built)

    def _plain(self, item: RatingItem, group: str, lines: PlainItem, full: bool) -> Built:
        """`_rating` for an item of the plain lane (domain/scoring/fast/plain.py), whose lines are all counted
        and whose role values are given: the same Decimal operations in the same order, the item's
        constants (roles and weights, max, divisor, rounding, weight, template) looked up once."""
        known = self._plain_known(item, group)
        value, encoded = self._plain_node(known, lines, full)
        return Built(item.id, value, ZERO, known[7], lines, encoded)  # type: ignore[arg-type]

    def _plain_known(self, item: RatingItem, group: str) -> tuple[Any, ...]:
        known = self._plains.get((item.id, group))
        if known is None:
            plan = self.plan.ratings[item.id]
            known = self._plains[(item.id, group)] = (
                item.id, tuple((role, plan.weights[role]) for role in plan.roles), item.max, plan.divisor,
                "ratings" in self.scheme.rounding.at, self.plan.exponent, self.plan.mode,
                self.plan.base[item.id]["weight"], self._header(item, group).rating)
        return known

    def _plain_node(self, known: tuple[Any, ...], lines: PlainItem, full: bool) -> tuple[Decimal, bytes | None]:
        """A plain item's applied points and (`full`) bytes, recorded as `_done` records them."""
        item_id, pairs, top, divisor, rounds, exponent, mode, _weight, template = known
        weighted, missing, values = ZERO, None, lines.values
        for role, share in pairs:
            found = values[role]
            if found:
                weighted += share * sum(found, ZERO) / len(found)
            elif missing is None:
                missing = [role]
            else:
                missing.append(role)
        value = weighted * top / divisor
        if rounds:
            value = value.quantize(exponent, rounding=mode)  # Plan.rounded("ratings", ...)
        if not full:
            return value, None
        if missing:
            incomplete = encode.texts([f"no rating from role {r}" for r in sorted(missing)])
            if self.incomplete is not None:
                self.incomplete.append(item_id)
        else:
            incomplete = b"[]"
        shown = encode.number(value)
        encoded = template % (shown, incomplete, lines.encoded if self.explained else b"", shown)
        if self.applied is not None:
            self.applied[item_id] = value
        return value, encoded

    # -- any card, over the tree compiled once per kind and group (issue 12: the city's mixed subjects) ------

    def _general(self, kind: str, group: str) -> tuple[Any, ...] | None:
        """The tree as `_node` folds it for a kind and group (memo None, `full`), compiled once: the nodes that
        apply, each with what `_item`, `_rating`, `_counted`, `_sum` and `_bounded` look up about it (header
        template, weight, bound, floor, rules), as (runner, node id, ...). None: no node applies (`build`'s None)."""
        key = (kind, group)
        if key in self._compiled:
            return self._compiled[key]
        tree = self.scheme.tree
        program = self._compiled[key] = self._op(tree, kind, group) if applies(tree.applies_to, kind) else None
        return program

    _compiled: dict[tuple[str, str], tuple[Any, ...] | None]

    def _op(self, node: Node, kind: str, group: str) -> tuple[Any, ...] | None:
        if isinstance(node, RatingItem):
            return (CardFold._x_rating, node.id, node, group, self._plain_known(node, group))
        if not isinstance(node, Section):
            bound = min((b for b in (node.cap, node.max) if b is not None), default=None)
            return (CardFold._x_counted, node.id, node, group, bound, self.plan.base[node.id]["weight"],
                    self._header(node, group).item, _static_rules(node), self._empty_item(node, group),
                    None if bound is None else -bound, {})
        children = []
        for child in self.plan.children(node, kind):
            made = self._op(child, kind, group)
            if made is not None:  # only a section without children is left out (`_section`'s None)
                children.append(made)
        if not children:
            return None
        weight, template = self.plan.base[node.id]["weight"], self._header(node, group).section
        if node.basis is Basis.sum:
            rules = (encode.texts(["C2", *(["D4", "B2"] if node.highest_only else [])]),
                     encode.texts(["C1", *(["D4", "B2"] if node.highest_only else [])]))
            return (CardFold._x_sum, node.id, tuple(children), weight, template, rules,
                    "weights" in self.scheme.rounding.at)
        deduct = node.basis is Basis.deduct
        base = node.max if deduct and node.max is not None else ZERO
        floor, top = node.effective_floor(), node.max
        if deduct:
            rules = ["D2"] + (["D3"] if node.overflow == "total" else [])
        else:
            rules = ["B3"] if top is not None else []
        if node.highest_only:
            rules += ["D4", "B2"]
        limit = (top - (floor or ZERO)) if deduct and top is not None else top
        return (CardFold._x_bounded, node.id, tuple(children), weight, template, encode.texts(rules), base, floor,
                top, node.overflow == "total", limit)

    def _x_rating(self, op: tuple[Any, ...], lines: Lines) -> tuple[Any, ...]:
        """`_item` for a rating item: `_plain` for a plain item, else `_rating`."""
        found = lines.get(op[1])
        if type(found) is PlainItem:
            known = op[4]
            value, encoded = self._plain_node(known, found, True)
            return value, ZERO, known[7], encoded, found
        built = self._rating(op[2], op[3], found or [], True)  # type: ignore[arg-type]
        return built.applied, ZERO, built.weight, built.encoded, built.lines

    def _x_counted(self, op: tuple[Any, ...], lines: Lines) -> tuple[Any, ...]:
        """`_item` for a deduction or bonus item: `_counted`, the constants looked up once. An item whose points are
        not cut (the common case) writes its points once and its cut as "0" (raw - applied is a zero, whose
        canonical text is "0"), and its rules' bytes are remembered by what they depend on (`_rules_of`)."""
        found = lines.get(op[1])
        if not found:  # the same node for every subject (`_empty_item`), made when compiled
            empty = op[8]
            if self.applied is not None:
                self.applied[op[1]] = empty[0]
            return empty
        _, item_id, _item, _group, bound, weight, template, static, _empty, low, known = op
        raw = ZERO
        for line in found:
            if line.status == "counted":
                raw += line.points
        applied = raw  # max(min(raw, bound), -bound), as min and max choose (the first of equals)
        if bound is not None:
            if bound < raw:
                applied = bound
            if low > applied:
                applied = low
        number = encode.number
        listed = b",".join([line.encoded() for line in found]) if self.explained else b""
        if applied is raw or applied == raw:
            shown = number(raw)
            encoded = template % (shown, _ZERO_TEXT, b"[]", listed, shown, _rules_of(static, found, False, known))
        else:
            cut_facts = _beyond(found, bound) if bound is not None else []
            encoded = template % (number(applied), number(raw - applied), encode.texts(cut_facts), listed, number(raw),
                                  _rules_of(static, found, True, known))
        if self.applied is not None:
            self.applied[item_id] = applied
        return applied, ZERO, weight, encoded, found

    def _x_sum(self, op: tuple[Any, ...], lines: Lines) -> tuple[Any, ...]:
        """`_sum` (C1/C2)."""
        _, section_id, children, weight, template, rules, rounds = op
        total, overflow, weighted, parts, found = ZERO, ZERO, False, [], []
        exponent, mode = self.plan.exponent, self.plan.mode
        for child in children:
            one = child[0](self, child, lines)
            c_applied, c_weight = one[0], one[2]
            if c_weight:
                share = c_applied * c_weight
                total += share.quantize(exponent, rounding=mode) if rounds else share  # Plan.rounded("weights")
                weighted = True
            else:
                total += c_applied
            overflow += one[1]
            parts.append(one[3])
            found.append(one)
        shown = encode.number(total)
        encoded = template % (shown, b",".join(parts), b'"0"', b"[]", encode.number(overflow), shown,
                              rules[0] if weighted else rules[1])
        if self.applied is not None:
            self.applied[section_id] = total
        return total, overflow, weight, encoded, tuple(found)

    def _x_bounded(self, op: tuple[Any, ...], lines: Lines) -> tuple[Any, ...]:
        """`_bounded` (D2/D3, B3). A section whose points are neither capped nor floored (the common case) writes
        its points once, and its cut and overflow as "0" (a zero's canonical text)."""
        _, section_id, children, weight, template, rules, base, floor, top, to_total, limit = op
        found, parts, summed = [], [], ZERO
        for child in children:
            one = child[0](self, child, lines)
            found.append(one)
            parts.append(one[3])
            summed += one[0]  # sum(..., ZERO): the same additions in the same order
        raw = base + summed
        applied = top if top is not None and top < raw else raw  # min(raw, top)
        number = encode.number
        if applied is raw and (floor is None or not applied < floor):  # nothing cut, no overflow
            shown = number(raw)
            encoded = template % (shown, b",".join(parts), _ZERO_TEXT, b"[]", _ZERO_TEXT, shown, rules)
            overflow = ZERO
        else:
            overflow = ZERO
            if floor is not None and applied < floor:
                if to_total:
                    overflow = applied - floor
                applied = floor
            cut = raw - applied - overflow
            every = [line for one in found for line in _every(one)] if cut != ZERO and limit is not None else []
            cut_facts = _beyond(every, limit) if every else []
            encoded = template % (
                number(applied), b",".join(parts), number(cut), encode.texts(cut_facts), number(overflow), number(raw),
                rules)
        if self.applied is not None:
            self.applied[section_id] = applied
        return applied, overflow, weight, encoded, tuple(found)

    # -- sections -------------------------------------------------------------------------------------

    def _section(self, section: Section, kind: str, group: str, lines: Lines, full: bool) -> Built | None:
        children = []
        for child in self.plan.children(section, kind):
            if self.memo is not None:
                built = self._node(child, kind, group, lines, full)
                if built is not None:
                    children.append(built)
            elif isinstance(child, Section):
                built = self._section(child, kind, group, lines, full)
                if built is not None:
                    children.append(built)
            else:
                children.append(self._item(child, group, lines.get(child.id, []), full))
        if not children:
            return None
        if section.basis is Basis.sum:
            return self._sum(section, group, children, full)
        return self._bounded(section, group, children, full)

    def _sum(self, section: Section, group: str, children: list[Built], full: bool) -> Built:
        rounded, total, overflow, weighted = self.plan.rounded, ZERO, ZERO, False
        for c in children:
            if c.weight:
                total += rounded("weights", c.applied * c.weight)
                weighted = True
            else:
                total += c.applied
            overflow += c.overflow
        weight = self.plan.base[section.id]["weight"]
        if not full:
            return Built(section.id, total, overflow, weight, _NONE, None, children)
        rules = (["C2"] if weighted else ["C1"]) + (["D4", "B2"] if section.highest_only else [])
        shown = encode.number(total)
        encoded = self._header(section, group).section % (
            shown, b",".join([c.encoded for c in children]), b'"0"', b"[]", encode.number(overflow), shown,  # type: ignore[misc]
            encode.texts(rules))
        return self._done(Built(section.id, total, overflow, weight, _NONE, encoded, children))

    def _bounded(self, section: Section, group: str, children: list[Built], full: bool) -> Built:
        base = section.max if section.basis is Basis.deduct and section.max is not None else ZERO
        raw = base + sum((c.applied for c in children), ZERO)
        floor, top = section.effective_floor(), section.max
        applied = raw if top is None else min(raw, top)
        overflow = ZERO
        if floor is not None and applied < floor:
            if section.overflow == "total":
                overflow = applied - floor
            applied = floor
        weight = self.plan.base[section.id]["weight"]
        if not full:
            return Built(section.id, applied, overflow, weight, _NONE, None, children)
        cut = raw - applied - overflow
        if section.basis is Basis.deduct:
            rules = ["D2"] + (["D3"] if section.overflow == "total" else [])
        else:
            rules = ["B3"] if top is not None else []
        if section.highest_only:
            rules += ["D4", "B2"]
        limit = (top - (floor or ZERO)) if section.basis is Basis.deduct and top is not None else top
        if cut != ZERO and limit is not None and self.memo is not None:
            cut_facts = self._cut(section, children, limit)
        else:
            every = [line for c in children for line in c.every()] if cut != ZERO and limit is not None else []
            cut_facts = _beyond(every, limit) if every else []  # type: ignore[arg-type]
        number = encode.number
        encoded = self._header(section, group).section % (
            number(applied), b",".join([c.encoded for c in children]), number(cut), encode.texts(cut_facts),  # type: ignore[misc]
            number(overflow), number(raw), encode.texts(rules))
        return self._done(Built(section.id, applied, overflow, weight, _NONE, encoded, children))


_NONE: list[FastLine] = []


def _leaves(nodes: Sequence[Built], out: list[Built]) -> None:
    """The items under folded nodes, in tree order."""
    for node in nodes:
        if node.children is None:
            out.append(node)
        else:
            _leaves(node.children, out)


def _every(found: tuple[Any, ...]) -> list[FastLine]:
    """Every line under a compiled node's result (Built.every): an item's lines, or its children's."""
    under = found[4]
    if type(under) is tuple:
        return [line for one in under for line in _every(one)]
    return under.every() if type(under) is PlainItem else under  # type: ignore[no-any-return]


def _static_rules(item: Any) -> tuple[Any, ...]:
    """What `_item_rules` reads of the item itself: (deduction?, its first rules, B3 whatever the points)."""
    voids = isinstance(item, DeductionItem) and item.deduct.void_at is not None
    if isinstance(item, DeductionItem):
        rule = item.deduct
        first = [_DEDUCT_RULES[rule.way]] + (["D7"] if rule.multiplier else []) + (["D5", "D10"] if voids else [])
        return "deduction", first, voids, item.cap is not None
    if isinstance(item, BonusItem):
        first = [_BONUS_RULES[item.bonus.way]] + (["D9"] if item.bonus.beyond_quota is not None else [])
        return "bonus", first, voids, item.cap is not None
    return "", [], voids, item.cap is not None


def _dynamic_rules(static: tuple[Any, ...], lines: Sequence[FastLine], capped: bool) -> list[str]:
    """`_item_rules` from the item's `_static_rules`."""
    kind, first, voids, has_cap = static
    rules = list(first)
    if kind == "deduction":
        statuses = set(map(_STATUS, lines))
        rules += ["D8"] if "exempted" in statuses else []
        rules += ["D4"] if "superseded" in statuses else []
    elif kind == "bonus":
        rules += ["B6"] if any("(B6)" in line.note for line in lines) else []
        rules += ["B2"] if any(line.status == "superseded" for line in lines) else []
    return rules + (["B3"] if (capped and not voids) or has_cap else [])


_ZERO_TEXT = b'"0"'


def _rules_of(static: tuple[Any, ...], lines: Sequence[FastLine], capped: bool, known: dict[Any, bytes]) -> bytes:
    """`encode.texts(_dynamic_rules(static, lines, capped))`, remembered in `known` (the item's) by all the rules
    depend on: whether a line is exempted or superseded (a deduction's), a line's note names B6 or a line is
    superseded (a bonus's), and `capped`."""
    kind = static[0]
    if kind == "deduction":
        statuses = set(map(_STATUS, lines))
        key: tuple[bool, ...] = ("exempted" in statuses, "superseded" in statuses, capped)
    elif kind == "bonus":
        key = (any("(B6)" in line.note for line in lines), any(line.status == "superseded" for line in lines), capped)
    else:
        key = (capped,)
    found = known.get(key)
    if found is None:
        found = known[key] = encode.texts(_dynamic_rules(static, lines, capped))
    return found


def _item_rules(item: Any, lines: Sequence[FastLine], capped: bool) -> list[str]:
    b6 = isinstance(item, BonusItem) and any("(B6)" in line.note for line in lines)
    return _item_rules_from(item, set(map(_STATUS, lines)), b6, capped)


def _item_rules_from(item: Any, statuses: set[str], b6: bool, capped: bool) -> list[str]:
    """`_item_rules` from what it reads of the lines: their statuses, and whether a note names B6."""
    if isinstance(item, DeductionItem):
        rule = item.deduct
        rules = [_DEDUCT_RULES[rule.way]] + (["D7"] if rule.multiplier else [])
        rules += ["D5", "D10"] if rule.void_at is not None else []
        rules += ["D8"] if "exempted" in statuses else []
        rules += ["D4"] if "superseded" in statuses else []
    elif isinstance(item, BonusItem):
        rules = [_BONUS_RULES[item.bonus.way]] + (["D9"] if item.bonus.beyond_quota is not None else [])
        rules += ["B6"] if b6 else []
        rules += ["B2"] if "superseded" in statuses else []
    else:
        rules = []
    voids = isinstance(item, DeductionItem) and item.deduct.void_at is not None
    return rules + (["B3"] if (capped and not voids) or item.cap is not None else [])


def _beyond(lines: Sequence[FastLine], limit: Decimal) -> list[str]:
    """Facts whose counted points fall beyond a limit, taking lines in (occurred_on, fact id) order: once
    the points taken pass the limit they stay past it, so every counted line with points after that one."""
    taken, ordered = ZERO, sorted(lines, key=_ORDER)
    for at, line in enumerate(ordered):
        if line.status != "counted" or line.points == ZERO:
            continue
        taken += abs(line.points)
        if taken > limit:
            return [line.fact.id for line in ordered[at:] if line.status == "counted" and line.points != ZERO]
    return []


_ORDER = attrgetter("order")
_FIRST = itemgetter(0)


_STATUS = attrgetter("status")
