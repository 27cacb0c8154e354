"""The dev server's rebuild step: incremental, into its own folder, and it survives bad content."""

from __future__ import annotations

from pathlib import Path

from conftest import fixture_paths

from generator.serve import rebuild


def test_rebuild_keeps_the_last_good_preview(content_dir: Path, tmp_path: Path, capsys) -> None:
    paths = fixture_paths(content_dir, tmp_path / ".preview")
    assert rebuild(paths)
    page = tmp_path / ".preview/northwind/index.html"
    before = page.read_text()
    assert 'href="http://127.0.0.1/northwind/"' in before
    (content_dir / "payers/northwind.yaml").write_text("name: [broken\n")
    assert not rebuild(paths)
    assert "content/payers/northwind.yaml:2: YAML syntax error" in capsys.readouterr().out
    assert page.read_text() == before
