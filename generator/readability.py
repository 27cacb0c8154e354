"""Grade level of patient-facing prose (Flesch–Kincaid), for the readability gate."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_VOWELS = re.compile(r"[aeiouy]+")
_MARKUP = re.compile(r"[#*_`>\[\]()|]|https?://\S+")
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|U\.S|Dr|vs|No|Inc|St)\.", re.IGNORECASE)


def syllables(word: str) -> int:
    """A dictionary-free estimate: vowel groups, less a silent final e."""
    word = word.lower().strip("'’-")
    count = len(_VOWELS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def grade_level(text: str) -> float | None:
    """Flesch–Kincaid grade of a text, or None when it is too short to judge."""
    text = _ABBREVIATIONS.sub(lambda m: m.group(0).replace(".", ""), _MARKUP.sub(" ", text))
    words = _WORD.findall(text)
    if len(words) < 30:
        return None
    sentences = max(1, len(_SENTENCE_END.findall(text)), text.count("\n- ") + 1)
    total_syllables = sum(syllables(w) for w in words)
    return round(0.39 * len(words) / sentences + 11.8 * total_syllables / len(words) - 15.59, 1)
