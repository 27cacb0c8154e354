"""YAML text → LineDicts that keep line numbers, refused before construction when it is too deep or too big.

A YAML file can be small and still describe something enormous: aliases of aliases ("billion
laughs") name the same value again and again, and nesting a thousand lists deep overflows the
stack of whatever walks it. The parser's node graph is checked against the limits below before
a single value is constructed, so nothing is ever expanded.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import yaml

MAX_DEPTH = 16
"""Levels of lists and mappings inside one another: several times what any record's fields need."""

MAX_TEXT_CHARS = 10_000
"""Characters in one YAML value: a few long paragraphs, far more than a name or a fact needs."""

MAX_VALUES = 20_000
"""Values (texts, numbers, lists, mappings) in one file after its aliases are expanded: far more than one record holds."""

MAX_EXPANDED_CHARS = 2_000_000
"""Characters of text in one file after its aliases are expanded: what the file-size limit allows without aliases."""

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict):
    """A mapping from YAML that remembers the line (1-based) of each key."""

    line: int
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Return the line of `key`, or of the mapping itself when the key is absent."""
        return self.lines.get(key, self.line)


class LimitError(Exception):
    """A document over one of the limits, with where it happened (a 0-based mark, as YAML's own)."""

    def __init__(self, node: yaml.Node | None, message: str) -> None:
        super().__init__(message)
        self.line = node.start_mark.line if node is not None else None
        self.message = message


class _LineLoader(Loader):  # type: ignore[misc, valid-type]
    """SafeLoader whose mappings are LineDicts; dates stay strings so we can check them."""

    def get_single_data(self) -> Any:
        """Compose the document, check it against the limits, and only then construct it."""
        node = self.get_single_node()
        if node is None:
            return None
        check_limits(node)
        return self.construct_document(node)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
# The file's text is NFC already; an escape such as "e\u0301" can still write another form.
_LineLoader.add_constructor(
    "tag:yaml.org,2002:str", lambda loader, node: unicodedata.normalize("NFC", loader.construct_scalar(node))
)


def load_yaml(text: str) -> Any:
    """Parse one YAML document into LineDicts; raises yaml.YAMLError or LimitError."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except RecursionError:
        # Only PyYAML's pure-Python parser recurses while composing; libyaml stops at its own depth limit.
        raise LimitError(None, _too_deep()) from None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _too_deep(depth: int | None = None) -> str:
    return f"expected lists and mappings nested at most {MAX_DEPTH} deep; got {depth or 'deeper'}"


class _Totals:
    """What a walk of the node graph has counted so far, everything an alias names counted again."""

    def __init__(self) -> None:
        self.values = 0
        self.chars = 0

    def add(self, node: yaml.Node, values: int, chars: int, alias: bool = False) -> None:
        self.values += values
        self.chars += chars
        if self.values > MAX_VALUES:
            why = " (* aliases repeat the value here)" if alias else ""
            raise LimitError(node, f"expected at most {MAX_VALUES:,} values after expanding aliases; got more{why}")
        if self.chars > MAX_EXPANDED_CHARS:
            # The file-size limit keeps a file without aliases under this one.
            raise LimitError(
                node,
                f"expected at most {MAX_EXPANDED_CHARS:,} characters of text after expanding aliases; got more (* aliases repeat the value here)",
            )


def check_limits(root: yaml.Node) -> None:
    """Refuse a document that is nested too deep, holds too long a text or expands too far; raises LimitError.

    Each list and mapping is walked once; one met again (an alias) adds what it expands to
    without being walked again, so checking a billion laughs takes as long as reading it.
    A text met again is simply counted again.
    """
    done: dict[int, tuple[int, int, int]] = {}  # id → values, characters and depth under it, expanded
    walking: set[int] = set()
    totals = _Totals()
    if type(root) is yaml.ScalarNode:
        _scalar(root, totals)
        return
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        key = id(node)
        if finished:
            walking.discard(key)
            done[key] = _expanded(node, done)
        elif key in done:
            values, chars, height = done[key]
            if depth + height - 1 > MAX_DEPTH:
                raise LimitError(node, _too_deep(depth + height - 1))
            totals.add(node, values, chars, alias=True)
        elif key in walking:
            raise LimitError(node, "expected an alias to a finished value; got an alias inside the value it names")
        else:
            if depth > MAX_DEPTH:
                raise LimitError(node, _too_deep(depth))
            totals.add(node, 1, 0)
            walking.add(key)
            stack.append((node, depth, True))
            for child in _children(node):
                if type(child) is yaml.ScalarNode:
                    _scalar(child, totals)
                else:
                    stack.append((child, depth + 1, False))


def _scalar(node: yaml.ScalarNode, totals: _Totals) -> None:
    if len(node.value) > MAX_TEXT_CHARS:
        raise LimitError(node, f"expected a value of at most {MAX_TEXT_CHARS:,} characters; got {len(node.value):,}")
    totals.add(node, 1, len(node.value))


def _expanded(node: yaml.Node, done: dict[int, tuple[int, int, int]]) -> tuple[int, int, int]:
    values, chars, height = 1, 0, 0
    for child in _children(node):
        if type(child) is yaml.ScalarNode:
            values += 1
            chars += len(child.value)
        else:
            below = done[id(child)]
            values += below[0]
            chars += below[1]
            height = max(height, below[2])
    return values, chars, height + 1


# ---- LineDict trees as plain JSON data, for the parse cache: no pickle, so a crafted cache is only data


class Uncacheable(ValueError):
    """A parsed value that plain JSON cannot hold exactly (bytes, a set, a huge number, not-a-number)."""


def to_plain(value: Any) -> Any:
    """`value` as JSON data: a LineDict becomes {"line": n, "keys": [[key, line, value], ...]}; raises Uncacheable."""
    if isinstance(value, LineDict):
        return {"line": value.line, "keys": [[k, value.lines[k], to_plain(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int) and -(2**63) <= value < 2**64:
        return value
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return value
    raise Uncacheable(type(value).__name__)


def from_plain(value: Any, depth: int = 1) -> Any:
    """The LineDict tree `to_plain` wrote, checked to be one it could have written within the limits; raises ValueError."""
    if isinstance(value, dict):
        if depth > MAX_DEPTH or value.keys() != {"line", "keys"} or not isinstance(value["keys"], list):
            raise ValueError("not a mapping as the cache writes one")
        mapping = LineDict()
        mapping.line = _line(value["line"])
        mapping.lines = {}
        for item in value["keys"]:
            key, line, inner = item if isinstance(item, list) and len(item) == 3 else (None, 0, None)
            if not isinstance(key, str) or len(key) > MAX_TEXT_CHARS or key in mapping:
                raise ValueError("not a key as the cache writes one")
            mapping.lines[key] = _line(line)
            mapping[key] = from_plain(inner, depth + 1)
        return mapping
    if isinstance(value, list):
        if depth > MAX_DEPTH:
            raise ValueError("nested too deep")
        return [from_plain(item, depth + 1) for item in value]
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise ValueError("text too long")
    return value


def _line(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise ValueError("not a line number")
    return value
