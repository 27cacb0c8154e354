"""Which guides stay out of search results: the page-design bars, from the blocks each guide shows.

A guide's text is made of blocks: the treatment × reason note, the reason's request, the deadline
rows of its plan types, the payer's policy and criteria (or the typical ones), the pair's notes,
the payer's process for the reason, the records to gather, the free help for its plan types, and
the page's fixed text. The blocks a page shows come from the same lookup the renderer uses
(guide_records.py). Each distinct block is shingled once, names replaced by tokens as on the built
page (uniqueness.py), and a page's shingles are its blocks' shingles. So both bars cost one pass
over the guides and one per distinct block, not a shingling of every page, and they are known
before anything is rendered, which is when the page's robots tag and the sitemap need them:

- own share: the share of the page's shingles found on at most 1% of guides (a shingle is on the
  guides of every block that holds it);
- nearest sibling: the weighted Jaccard similarity of two pages' blocks, each weighted by its
  shingles, taken against the pages kept indexed with the same treatment and either the same reason
  or the same payer (other siblings differ by a whole note or a whole treatment).

A guide under the own-share bar is noindex. Of a group of near-copies, the first in plan order
stays indexed, so every distinct page is findable once. `make check` measures the same bars on
the built pages (uniqueness.py); a test holds the two together.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial

from .guide_records import (
    DOCTOR_STEP,
    FAST_STEP,
    GuideRecords,
    RowTerms,
    claim_groups,
    guide_records,
    next_step,
    next_when,
    row_fast,
    row_groups,
    rule_key,
    scope_label,
    standard_decision,
)
from .incremental.fingerprints import hash_parts
from .incremental.memo import Memo
from .model import Audience, Content, PlanType
from .pages import GuidePage, SitePlan
from .uniqueness import RARE_SHARE, SHINGLE, NameTokens, name_tokens, shingles

CHROME_SHINGLES = 300
"""Shingles of a guide's fixed text (headings, the letter outline, the calculator's labels, the fixed
next steps, the offer): on every guide, so never its own. test_similarity.py measures it on built pages."""

Key = tuple
CHROME: Key = ("chrome",)

PAYER_BLOCKS = frozenset(("pair", "pair-criterion", "library", "process"))
"""Blocks that name the payer: no other page with the same treatment and reason shows them."""
REASON_BLOCKS = frozenset(("ask", "lede", "note", "process"))
"""Blocks that name the reason: no other page with the same payer and treatment shows them."""

_LINK = re.compile(r"\]\([^)]*\)")


@dataclass(frozen=True)
class Bars:
    """A guide stays indexed when at least `own_share_min` of its shingles are its own and no kept
    sibling shares `nearest_max` or more of them."""

    own_share_min: float
    nearest_max: float


Shown = Callable[[tuple, GuideRecords], tuple[int, ...]]


def applying(facts: tuple, r: GuideRecords) -> tuple[int, ...]:
    """The positions of the facts that apply to the page."""
    return tuple(i for i, f in enumerate(facts) if f.applies(r.audience))


Blocks = list[tuple[Key, Callable[[], str]]]


def page_blocks(content: Content, r: GuideRecords, shown: Shown = applying) -> Blocks:
    """The blocks a guide shows, each with a key shared by every page that shows the same text.

    Each fact, deadline row (one per group of plan types with identical rules, as the page shows
    them) and free-help entry is a block of its own, so two pages that show most of a note or of the
    deadline rows share most of its blocks, as they share most of its shingles. The words a page
    shows around some records and not others (the policy line, the library sentence, the background
    intro, the plan-rules links, the process heading) are blocks too; the rest of the fixed text is
    CHROME_SHINGLES.
    """
    return [block for _, part in PARTS for block in part(content, r, shown)]


def _opening(content: Content, r: GuideRecords, shown: Shown) -> Blocks:
    t, reason = r.treatment.slug, r.reason.slug
    ask = r.ask_for
    blocks: Blocks = [(("ask", reason, ask != r.reason.ask_for and ask), lambda: ask)]
    if r.lede:
        blocks.append((("lede", reason, r.lede), lambda: r.lede))
    if r.note:
        blocks += [(("note", t, reason, i), _text(f)) for i, f in r.note]
    else:
        blocks.append((("lede", reason), lambda: r.reason.lede))
    # A reason's (or a treatment's) own letter line and a reason's doctor's-letter step stand in for the fixed
    # ones (templates/guide/letter.html, render/guide.py next_steps): about their words beyond the fixed lines'.
    case = ("letter-case", reason) if r.reason.letter_case else ("letter-case", reason, t)
    for key, text, fixed in (
        (case, r.letter_case, FIXED_CASE),
        (("doctor-letter", reason), r.reason.doctor_letter, DOCTOR_STEP),
    ):
        if text:
            blocks.append((key, partial(_beyond, text, fixed)))
    return blocks


FIXED_CASE = "Your doctor's reasons: [diagnosis, what was tried and what happened, why {treatment} is needed now]."
"""About the fixed letter line (templates/guide/letter.html) that a reason's own (letter_case) replaces."""


def _beyond(text: str, fixed: str) -> str:
    """The words of `text` past as many as `fixed` has: what a page that swaps one for the other adds."""
    return " ".join(text.split()[len(fixed.split()) :])


def _rows(content: Content, r: GuideRecords, shown: Shown) -> Blocks:
    terms = r.row_terms
    blocks = [(_row_key(group, terms), partial(_row_text, group, terms)) for group in row_groups(r.plan_types, terms)]
    claims = [(value, plans) for value, plans, _ in claim_groups(r.plan_types, terms)]
    if claims:
        blocks.append((("claims", *claims), lambda: CLAIMS_WORDS + "; ".join(f"{v} for {p}" for v, p in claims)))
    return blocks


CLAIMS_WORDS = "Already had the care? The plan has longer to decide: "
"""About the words before the times for a claim for care already had (templates/guide/rights.html)."""


def _row_key(group: tuple[PlanType, ...], terms: RowTerms) -> Key:
    """A row's plan types and rules (guide_records.rule_key): the same row on two pages is one block."""
    return ("row", *(pt.slug for pt in group), rule_key(group[0], terms))


def _policy(content: Content, r: GuideRecords, shown: Shown) -> Blocks:
    t, p = r.treatment.slug, r.payer.slug
    blocks: Blocks = []
    if r.pair:
        pair = r.pair
        blocks.append((("pair", p, t), partial(_policy_text, r)))
        blocks += _labelled(("pair-criterion", p, t), pair.criteria, shown(pair.criteria, r), r)
        governs = [pt for pt in r.plan_types if pt.slug in pair.plan_types]
        if len(governs) < len(r.plan_types):
            names = ", ".join(pt.short_name for pt in governs)
            blocks.append((("governs", *(pt.slug for pt in governs)), lambda: f"It governs {names} only; {_OTHERS}"))
        criteria = pair.criteria
    else:
        blocks += _labelled(("criterion", t), r.treatment.criteria, shown(r.treatment.criteria, r), r)
        blocks.append((("library", p), partial(_library_text, r)))
        criteria = r.treatment.criteria
    if any(criteria[i].context for i in shown(criteria, r)):
        blocks.append((("background-intro",), lambda: "Also good to know, though no chart fact answers it:"))
    return blocks


def _rules(content: Content, r: GuideRecords, shown: Shown) -> Blocks:
    notes = r.reason.guide_notes
    blocks = _facts(("reason-note", r.reason.slug), notes, shown(notes, r))
    rules = [pt for pt in r.plan_types if r.shown(r.reason.plan_type_notes.get(pt.slug, ()))]
    if not rules:
        return blocks
    return [*blocks, (("plan-rules", r.reason.slug, *(pt.slug for pt in rules)), partial(_plan_rules_text, r, rules))]


def _pitfall(content: Content, r: GuideRecords, shown: Shown) -> Blocks:
    pitfall = r.treatment.pitfall
    return [(("pitfall", r.treatment.slug), _text(pitfall))] if pitfall.text and pitfall.applies(r.audience) else []


def _process(content: Content, r: GuideRecords, shown: Shown) -> Blocks:
    if not r.process:
        return []
    p = r.payer.slug
    covered = tuple(pt for pt in r.plan_types if pt.slug in r.process.plan_types)
    some = len(covered) < len(r.plan_types)
    key = ("process-heading", p, some, *(pt.slug for pt in covered))
    blocks: Blocks = [(key, partial(_process_heading, r.payer.short_name, covered if some else ()))]
    return blocks + _facts(("process", p, r.reason.slug), r.process.steps, shown(r.process.steps, r))


def _closing(content: Content, r: GuideRecords, shown: Shown) -> Blocks:
    documents = r.treatment.documents
    blocks: Blocks = [(("documents", r.treatment.slug), lambda: "; ".join(documents[:3]))]
    if r.fast:
        blocks.append((("fast",), lambda: FAST_WORDS))
    return blocks + _facts(("help",), content.help, shown(content.help, r))


FAST_WORDS = (
    FAST_STEP + ' If waiting could seriously harm your health: "Please decide this fast (expedited); my doctor'
    ' says waiting could seriously harm my health."'
)
"""About the words of the next step and the letter line that offer a fast appeal, on the pages that have one
(GuideRecords.fast; render/guide.py next_steps, templates/guide/letter.html)."""


PARTS: tuple[tuple[Callable[[GuidePage, GuideRecords, int], tuple], Callable[..., Blocks]], ...] = (
    (lambda g, r, audience: (g.treatment, g.reason, r.ask_for, r.lede, *(i for i, _ in r.note)), _opening),
    (lambda g, r, audience: (g.plan_types, r.row_terms), _rows),
    (lambda g, r, audience: (g.payer, g.treatment, audience), _policy),
    (lambda g, r, audience: (g.reason, audience), _rules),
    (lambda g, r, audience: (g.treatment, audience), _pitfall),
    (lambda g, r, audience: (g.payer, g.reason, audience), _process),
    (lambda g, r, audience: (g.treatment, audience, r.fast), _closing),
)
"""A page's blocks in order, in parts, each with what decides its blocks: the page's slugs, its plan
types, the note's facts that apply, or who the page speaks to (an audience's number). Pages that
agree on that show the same blocks there."""


# The words around the records that a page shows with some of them and not others: approximately
# what templates/guide.html and its partials say, so that the build's share follows make check's.
_OTHERS = "other plan types follow their own rules."


def _policy_text(r: GuideRecords) -> str:
    policy = r.pair.policy
    dates = (
        policy.effective and f"effective {policy.effective}",
        policy.reviewed and f"last reviewed {policy.reviewed}",
    )
    line = ", ".join(filter(None, (policy.name, policy.number, *dates)))
    return f"{r.payer.short_name}'s policy: {line}.\n{r.pair.body}"


def _library_text(r: GuideRecords) -> str:
    p, t = r.payer.short_name, r.treatment.short_name
    return (
        f"We have not yet read {p}'s own policy for {t}. These are the criteria payers usually apply; "
        f"ask {p} for the policy it used, which should be in {r.payer.policy_library.name}."
    )


def _plan_rules_text(r: GuideRecords, rules: list[PlanType]) -> str:
    names = ", ".join(pt.short_name for pt in rules)
    return f"Plan types with their own rules for {r.reason.name.lower()} denials: {names}."


def _process_heading(payer: str, only: tuple[PlanType, ...]) -> str:
    heading = f"How {payer} takes this request"
    if only:
        names = ", ".join(pt.short_name for pt in only)
        heading += f" For {names} only; other plan types follow the steps their notice gives."
    return heading


def _facts(prefix: Key, facts: tuple, indices: tuple[int, ...]) -> list[tuple[Key, Callable[[], str]]]:
    return [((*prefix, i), _text(facts[i])) for i in indices]


def _labelled(prefix: Key, facts: tuple, indices: tuple[int, ...], r: GuideRecords) -> Blocks:
    """Criteria, each with whose rule it is where it holds for some of the page's plan types (scope_label)."""
    blocks: Blocks = []
    for i in indices:
        label = scope_label(facts[i], r.plan_types, r.payer.states)
        text = _text(facts[i])
        blocks.append(((*prefix, i, label), (lambda t=text, label=label: f"{label}: {t()}") if label else text))
    return blocks


def _text(fact) -> Callable[[], str]:
    return lambda: f"{getattr(fact, 'name', '')} {fact.text}"


def _row_text(group: tuple[PlanType, ...], terms: RowTerms) -> str:
    """About the words of a deadline row: when to appeal, the plan types it is for, the decision
    times and the next level (render/deadlines.py, templates/guide/rights.html)."""
    step = group[0].steps[0]
    words = [step.file_within.value if step.file_within else step.name, *(pt.short_name for pt in group)]
    decision, fast = standard_decision(group[0], terms), row_fast(group[0], terms)
    if decision:
        words.append(f"Decision {decision.value}" + (f", fast {fast.value}" if fast else ""))
    nxt = next_step(group[0], terms.reason)
    if nxt:
        words.append(f"Next: {nxt.name}" + (f" within {nxt.file_within.value}" if nxt.file_within else ""))
        when = next_when(nxt, terms.reason)
        words += [when.text] if when else []
    return " ".join(words)


class BlockTable:
    """Every guide's blocks, and each distinct block's shingles and rare shingles.

    With `cached` (the default), each part of a page's blocks (PARTS) is listed once for all the pages
    it decides alike, which facts apply is worked out once per list and audience, and a block's
    shingles are kept between builds in this process (the preview builds after every edit, and most
    texts did not change). `cached=False` is the plain way, page_blocks for every page; a test holds
    them equal.
    """

    def __init__(self, content: Content, plan: SitePlan, cached: bool = True) -> None:
        tokens = name_tokens(content)
        self.keys: list[tuple[Key, ...]] = []
        """Each guide's blocks, in plan order."""
        list_blocks = self._list_by_parts if cached else self._list_plainly
        texts, pages = list_blocks(content, plan)
        shingle = partial(_kept_shingles, tokens, _signature(tokens)) if cached else partial(_shingles, tokens=tokens)
        sets = {key: shingle(text()) for key, text in texts.items()}
        on: Counter = Counter()
        for key, found in sets.items():
            for s in found:
                on[s] += pages[key]
        limit = max(1, int(RARE_SHARE * len(plan.guides)))
        # On the page a block runs on into the next: the SHINGLE - 1 sequences across the join belong
        # to both, and are as rare as the block when most of it is rare.
        joins = SHINGLE - 1
        self.size = {key: len(found) + joins for key, found in sets.items()}
        self.weight = {CHROME: CHROME_SHINGLES} | self.size
        """Every block's shingles, the fixed text's included: what the near-copy check weighs."""
        self.rare = {}
        for key, found in sets.items():
            rare = sum(1 for s in found if on[s] <= limit)
            self.rare[key] = rare + joins if 2 * rare > len(found) else rare

    def _list_plainly(self, content: Content, plan: SitePlan) -> tuple[dict[Key, Callable[[], str]], Counter]:
        """Every guide's blocks into self.keys; each block's text (from the first page that shows it),
        and how many pages show it."""
        texts: dict[Key, Callable[[], str]] = {}
        pages: Counter = Counter()
        for g in plan.guides:
            blocks = page_blocks(content, guide_records(content, g))
            keys = tuple(k for k, _ in blocks)
            for key, text in blocks:
                texts.setdefault(key, text)
            pages.update(keys)
            self.keys.append(keys)
        return texts, pages

    def _list_by_parts(self, content: Content, plan: SitePlan) -> tuple[dict[Key, Callable[[], str]], Counter]:
        """What _list_plainly gives, each part listed once per distinct value of what decides it: a
        few thousand parts, not one per part of each of thousands of pages."""
        # Which facts apply, per list of facts and audience: parts with different keys read the same lists.
        shown = _Remembered(applying, lambda facts, r: (id(facts), r.audience))
        texts: dict[Key, Callable[[], str]] = {}
        audiences: dict[Audience, int] = {}
        parts: dict[tuple, tuple[Key, ...]] = {}
        used: Counter = Counter()
        for g in plan.guides:
            r = guide_records(content, g)
            audience = audiences.setdefault(r.audience, len(audiences))
            keys: tuple[Key, ...] = ()
            for n, (decides, part) in enumerate(PARTS):
                at = (n, decides(g, r, audience))
                found = parts.get(at)
                if found is None:
                    blocks = part(content, r, shown)
                    for key, text in blocks:
                        texts.setdefault(key, text)
                    found = parts[at] = tuple(k for k, _ in blocks)
                used[at] += 1
                keys += found
            self.keys.append(keys)
        pages: Counter = Counter()
        for at, times in used.items():
            for key in parts[at]:
                pages[key] += times
        return texts, pages

    def own_share(self, index: int) -> float:
        """The share of a guide's shingles found on at most 1% of guides."""
        keys = self.keys[index]
        return sum(map(self.rare.__getitem__, keys)) / (CHROME_SHINGLES + sum(map(self.size.__getitem__, keys)))

    def weights(self, index: int) -> dict[Key, int]:
        """A guide's blocks with their shingles, the fixed text included."""
        keys = (CHROME, *self.keys[index])
        return dict(zip(keys, map(self.weight.__getitem__, keys), strict=True))

    def fingerprint(self, index: int, page: GuidePage, thin: bool) -> str:
        """What the near-copy choice reads of a guide, as text: its payer and reason, and either that it
        is thin (under the own-share bar: never kept or compared, so its blocks do not count) or its
        blocks with their weights. Each block's part is written once, not once per page that shows it."""
        if thin:
            return f"{page.payer}|{page.reason}|thin"
        blocks = ",".join(map(self._written.__getitem__, (CHROME, *self.keys[index])))
        return f"{page.payer}|{page.reason}|{blocks}"

    @cached_property
    def _written(self) -> dict[Key, str]:
        return {k: f"{k!r}={w}" for k, w in self.weight.items()}


def _shingles(text: str, tokens: NameTokens) -> frozenset[int]:
    return shingles(_LINK.sub("]", text), tokens)


class _Remembered:
    """A function of a page, remembered per key: what applies depends on a few hundred audiences, not
    on each of thousands of pages."""

    def __init__(self, compute: Callable, key: Callable) -> None:
        self.compute, self.key = compute, key
        self.known: dict = {}

    def __call__(self, *args):
        key = self.key(*args)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = self.compute(*args)
        return found


_KEPT: dict[tuple[str, str], frozenset[int]] = {}
_KEPT_MAX = 50_000


def _signature(tokens: NameTokens) -> str:
    return hash_parts(repr(sorted(tokens.by_first.items())))


def _kept_shingles(tokens: NameTokens, signature: str, text: str) -> frozenset[int]:
    """A block's shingles, kept between builds while the names (which become tokens) are the same."""
    found = _KEPT.get((signature, text))
    if found is None:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        found = _KEPT[signature, text] = _shingles(text, tokens)
    return found


def similarity(a: dict[Key, int], b: dict[Key, int]) -> float:
    """Weighted Jaccard similarity of two pages' blocks."""
    shared = sum(w for k, w in a.items() if k in b)
    union = sum(a.values()) + sum(w for k, w in b.items() if k not in a)
    return shared / union if union else 1.0


def choose_noindex(
    bars: Bars, content: Content, plan: SitePlan, memo: Memo | None = None, workers: int = 1
) -> set[int]:
    """Guides to keep out of search: under the own-share bar, or a near-copy of a page that stays indexed."""
    work = NearCopyWork.of(bars, content, plan)
    return work.chosen((memo or Memo()).get_all(work.requests, workers))


@dataclass(frozen=True)
class NearCopyWork:
    """The choice as one memo request per treatment, and the pages each request decides.

    Within a group (same treatment and reason, or same payer and treatment) each page has identity
    blocks no other member shares (those naming its payer, or its reason) and structural blocks it
    may share. Against every kept page with the same structure, the closest is the one with the
    lightest identity, so the check needs one comparison per distinct structure, not one per kept
    page: exact, and linear in pages.

    Both groups name the treatment, so each treatment is decided on its own (in parallel when there
    are workers), and the memo reuses the last build's decision for every treatment whose pages,
    blocks, weights and own-share failures are unchanged.
    """

    requests: dict[str, tuple[str, Callable[[], list[int]]]]
    pages: dict[str, list[int]]
    thin: set[int]

    @classmethod
    def of(cls, bars: Bars, content: Content, plan: SitePlan) -> NearCopyWork:
        table = BlockTable(content, plan)
        thin = {i for i in range(len(plan.guides)) if table.own_share(i) < bars.own_share_min}
        members: dict[str, list[int]] = defaultdict(list)
        for i, g in enumerate(plan.guides):
            members[g.treatment].append(i)
        requests, pages = {}, {}
        for treatment, indices in members.items():
            # A thin page is never kept and never compared (_noindex_among), so its blocks do not count.
            listing = [(plan.guides[i], {} if i in thin else table.weights(i), i in thin) for i in indices]
            prints = (table.fingerprint(i, g, t) for i, (g, _, t) in zip(indices, listing, strict=True))
            inputs = hash_parts(repr(bars.nearest_max), *prints)
            name = f"noindex:{treatment}"
            requests[name] = (inputs, partial(_noindex_among, listing, table.weight, bars.nearest_max))
            pages[name] = indices
        return cls(requests, pages, thin)

    def chosen(self, decided: dict[str, list[int]]) -> set[int]:
        """Plan indices of the pages chosen: the thin ones, and each request's near-copies."""
        return self.thin | {indices[n] for name, indices in self.pages.items() for n in decided[name]}


def _noindex_among(
    pages: list[tuple[GuidePage, dict[Key, int], bool]], weight: dict[Key, int], threshold: float
) -> list[int]:
    """Positions in `pages` (one treatment's, in plan order) that are near-copies of a kept page; `weight`
    holds every block's shingles.

    Thin pages are left out here (NearCopyWork.chosen adds them) and never kept, so they hide no sibling.
    """
    kept: dict[str, _Kept] = defaultdict(_Kept)
    differences: dict[tuple[frozenset, frozenset], tuple[int, int]] = {}
    chosen: list[int] = []
    for n, (g, w, thin) in enumerate(pages):
        if thin:
            continue
        total = sum(w.values())
        sides = []
        for group, kinds in ((f"tr|{g.reason}", PAYER_BLOCKS), (f"pt|{g.payer}", REASON_BLOCKS)):
            identity = {k for k in w if k[0] in kinds}
            structure = frozenset(k for k in w if k not in identity)
            sides.append((group, structure, sum(w[k] for k in identity)))
        if _has_near_copy(sides, kept, total, weight, differences, threshold):
            chosen.append(n)
            continue
        for group, structure, mine in sides:
            kept[group].add(structure, total - mine, mine)
    return chosen


class _Kept:
    """The structures kept indexed in one group, by weight, each with its lightest identity."""

    def __init__(self) -> None:
        self.lightest: dict[frozenset, int] = {}
        self.by_weight: list[tuple[int, int]] = []
        self.structures: list[frozenset] = []

    def add(self, structure: frozenset, weight: int, identity: int) -> None:
        if structure not in self.lightest:
            self.structures.append(structure)
            bisect.insort(self.by_weight, (weight, len(self.structures) - 1))
            self.lightest[structure] = identity
        elif identity < self.lightest[structure]:
            self.lightest[structure] = identity

    def within(self, low: float, high: float):
        """Kept structures whose weight lies in [low, high]: only those can be close enough."""
        start = bisect.bisect_left(self.by_weight, (low, -1))
        for weight, index in self.by_weight[start:]:
            if weight > high:
                return
            structure = self.structures[index]
            yield structure, self.lightest[structure]


def _has_near_copy(sides, kept: dict[str, _Kept], total: int, weight: dict, cache: dict, threshold: float) -> bool:
    """Whether any kept structure in the page's groups is close enough to make it a near-copy.

    A kept structure much lighter than this page's leaves too many of its shingles unshared, and one
    much heavier adds too many: a weight window (exact bounds, see below) skips both.
    """
    for group, structure, mine in sides:
        structure_weight = total - mine
        # near-copy needs own = D(a\b) + mine <= (1 - t) * total, and D(b\a) <= that slack / t
        slack = (1 - threshold) * total - mine
        if slack < 0:
            continue
        for other, lightest in kept[group].within(structure_weight - slack, structure_weight + slack / threshold):
            pair = cache.get((structure, other))
            if pair is None:
                pair = cache[structure, other] = (
                    sum(weight[k] for k in structure - other),
                    sum(weight[k] for k in other - structure),
                )
            own = pair[0] + mine
            if total - own >= threshold * (total + pair[1] + lightest):
                return True
    return False
