"""Reading files: encodings, line endings, line numbers and syntax errors."""

from __future__ import annotations

from pathlib import Path

from generator.load import MAX_FILE_BYTES, load_markdown_file, load_yaml_file


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
