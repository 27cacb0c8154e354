"""Related guides from indexes by payer, treatment and reason, in a stable order."""

from __future__ import annotations

import zlib
from collections import defaultdict
from typing import TYPE_CHECKING

from .model import Content

if TYPE_CHECKING:
    from .pages import GuidePage


def _take(pool: list[int], seed: int, limit: int, chosen: list[int], own: int) -> None:
    """Append up to `limit` entries of `pool`, starting at a per-page offset.

    The offset spreads links over the whole site instead of piling them on the first
    few pages of every list; it comes from the page URL, so builds stay deterministic.
    """
    if not pool or limit <= 0:
        return
    taken = 0
    start = seed % len(pool)
    for k in range(len(pool)):
        j = pool[(start + k) % len(pool)]
        if j != own and j not in chosen:
            chosen.append(j)
            taken += 1
            if taken == limit:
                return


def choose_related(guides: list[GuidePage], content: Content) -> list[list[int]]:
    """For each guide, indices of related guides: same payer, same treatment, other reasons, then fill."""
    category = {slug: t.category for slug, t in content.treatments.items()}
    same_cat: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    by_payer_reason: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_treatment_reason: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_payer: dict[str, list[int]] = defaultdict(list)
    by_treatment: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(guides):
        same_cat[g.payer, g.reason, category[g.treatment]].append(i)
        by_payer_reason[g.payer, g.reason].append(i)
        by_treatment_reason[g.treatment, g.reason].append(i)
        by_pair[g.payer, g.treatment].append(i)
        by_payer[g.payer].append(i)
        by_treatment[g.treatment].append(i)
    limits = content.site.related
    everything = list(range(len(guides)))
    related = []
    for i, g in enumerate(guides):
        seed = zlib.crc32(g.url.encode())
        chosen: list[int] = []
        _take(same_cat[g.payer, g.reason, category[g.treatment]], seed, limits.same_payer, chosen, i)
        _take(by_payer_reason[g.payer, g.reason], seed, limits.same_payer - len(chosen), chosen, i)
        _take(by_treatment_reason[g.treatment, g.reason], seed, limits.same_treatment, chosen, i)
        _take(by_pair[g.payer, g.treatment], 0, limits.other_reasons, chosen, i)
        _take(by_payer[g.payer], seed, limits.minimum - len(chosen), chosen, i)
        _take(by_treatment[g.treatment], seed, limits.minimum - len(chosen), chosen, i)
        _take(everything, seed, limits.minimum - len(chosen), chosen, i)
        related.append(chosen)  # lists, as the memo gives them back from the JSON manifest
    return related
