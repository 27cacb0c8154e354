"""Reading files: encodings, line endings, line numbers and syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import load as load_module
from generator.load import (
    MAX_FILE_BYTES,
    LineDict,
    ParseCache,
    RawContent,
    load_content,
    load_markdown_file,
    load_yaml_file,
)


def test_keys_remember_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: A\nnested:\n  inner: 1\nlist:\n  - text: b\n")
    raw = load_yaml_file(path, tmp_path)
    assert raw.errors == []
    assert raw.data.line_of("name") == 1
    assert raw.data["nested"].line_of("inner") == 3
    assert raw.data["list"][0].line_of("text") == 5


def test_bom_and_windows_line_endings_read_normally(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes("\ufeffname: Société\r\nshort_name: S\r\n".encode())
    raw = load_yaml_file(path, tmp_path)
    assert raw.errors == []
    assert raw.data["name"] == "Société"
    assert raw.data.line_of("short_name") == 2


def test_front_matter_lines_count_from_the_top_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text("---\nname: A\nkind: drug\n---\n## Body\n")
    raw = load_markdown_file(path, tmp_path)
    assert raw.data.line_of("kind") == 3
    assert raw.body == "## Body\n"
    assert raw.body_line == 5


def test_yaml_syntax_error_keeps_the_parser_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: A\nlist: [a, b\nother: c\n")
    raw = load_yaml_file(path, tmp_path)
    assert len(raw.errors) == 1
    assert raw.errors[0].line == 3
    assert "YAML syntax error" in raw.errors[0].message


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: A\nname: B\n")
    raw = load_yaml_file(path, tmp_path)
    assert "duplicate key 'name'" in str(raw.errors[0])
    assert raw.errors[0].line == 2


def test_empty_non_utf8_and_huge_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    assert "file is empty" in str(load_yaml_file(empty, tmp_path).errors[0])
    assert "not UTF-8" in str(load_yaml_file(latin, tmp_path).errors[0])
    assert "expected at most" in str(load_yaml_file(huge, tmp_path).errors[0])


# ---- The parse cache: an edit re-parses only the edited file, and the cache can never change a result


def _snapshot(raw: RawContent) -> list:
    """Everything loading produced, line numbers included."""
    files = [raw.site, *raw.plan_types, *raw.reasons, *raw.treatments, *raw.payers, *raw.pairs]
    return [(f.path, f.shown, _with_lines(f.data), f.body, f.body_line, f.errors) for f in files]


def _with_lines(value: object) -> object:
    if isinstance(value, LineDict):
        return (value.line, value.lines, {k: _with_lines(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_with_lines(v) for v in value]
    return value


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every YAML parse from here on."""
    parsed: list[str] = []
    real = load_module.parse_yaml

    def counting(text: str, shown: str, line_offset: int = 0):
        parsed.append(shown)
        return real(text, shown, line_offset)

    monkeypatch.setattr(load_module, "parse_yaml", counting)
    return parsed


def test_a_cached_load_is_the_same_as_a_fresh_one(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache" / "parsed.pickle"
    fresh = load_content(content_dir)
    assert _snapshot(load_content(content_dir, ParseCache(cache))) == _snapshot(fresh)
    parsed = _no_parsing(monkeypatch)
    again = load_content(content_dir, ParseCache(cache))
    assert parsed == [], "every file came from the cache"
    assert _snapshot(again) == _snapshot(fresh)


def test_an_edit_reparses_only_the_edited_file(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "parsed.pickle"
    load_content(content_dir, ParseCache(cache))
    edited = content_dir / "treatments" / "ocrevus.md"
    edited.write_text(edited.read_text("utf-8").replace("\n---\n", "\nextra_key: 1\n---\n", 1), "utf-8")
    parsed = _no_parsing(monkeypatch)
    raw = load_content(content_dir, ParseCache(cache))
    assert parsed == [raw.treatments[[t.path.name for t in raw.treatments].index("ocrevus.md")].shown]
    ocrevus = next(t for t in raw.treatments if t.path == edited)
    assert ocrevus.data["extra_key"] == 1
    assert _snapshot(raw) == _snapshot(load_content(content_dir))


def test_files_with_errors_are_parsed_afresh_every_time(tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "content" / "reasons" / "bad.yaml"
    bad.parent.mkdir(parents=True)
    bad.write_text("name: A\nlist: [a, b\n", "utf-8")
    cache = tmp_path / "parsed.pickle"
    first = load_content(tmp_path / "content", ParseCache(cache))
    parsed = _no_parsing(monkeypatch)
    second = load_content(tmp_path / "content", ParseCache(cache))
    assert parsed == [second.reasons[0].shown]
    assert second.reasons[0].errors == first.reasons[0].errors and first.reasons[0].errors


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other code"])
def test_a_damaged_or_foreign_cache_is_ignored(content_dir: Path, tmp_path: Path, monkeypatch, damage: str) -> None:
    cache = tmp_path / "parsed.pickle"
    load_content(content_dir, ParseCache(cache))
    if damage == "truncated":
        cache.write_bytes(cache.read_bytes()[:100])
    elif damage == "garbage":
        cache.write_bytes(b"not a pickle at all")
    else:
        monkeypatch.setattr(load_module, "CODE_FINGERPRINT", "some older generator")
    parsed = _no_parsing(monkeypatch)
    raw = load_content(content_dir, ParseCache(cache))
    assert len(parsed) == len(_snapshot(raw)), "everything parsed afresh"
    assert _snapshot(raw) == _snapshot(load_content(content_dir))


def test_the_cache_keeps_only_files_that_exist(content_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "parsed.pickle"
    load_content(content_dir, ParseCache(cache))
    before = len(ParseCache(cache).previous)
    (content_dir / "treatments" / "ocrevus.md").unlink()
    load_content(content_dir, ParseCache(cache))
    assert len(ParseCache(cache).previous) == before - 1


def test_a_cache_that_cannot_be_written_costs_time_not_the_load(content_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("in the way of the cache folder", "utf-8")
    raw = load_content(content_dir, ParseCache(tmp_path / "a-file" / "parsed.pickle"))
    assert _snapshot(raw) == _snapshot(load_content(content_dir))
