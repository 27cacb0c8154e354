"""Authoring help: scaffolds validate as drafts, and the exported schemas are current and strict (real content: test_real_content.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import FIXTURE, ROOT, build

from generator.errors import BuildError
from generator.scaffold import scaffold
from generator.schema import export_schemas


def test_new_payer_is_a_draft_until_the_flag_goes(content_dir: Path, tmp_path: Path) -> None:
    path = scaffold(content_dir, "payer", "Blue Shield of California", today=date(2026, 11, 25))
    assert path == content_dir / "payers/blue-shield-of-california.yaml"
    path.write_text(path.read_text().replace("employer-insured", "employer-self-funded"))
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    assert not (out / "blue-shield-of-california").exists()
    path.write_text(path.read_text().replace("draft: true\n", ""))
    build(content_dir, out, workers=1)
    assert (out / "blue-shield-of-california/index.html").is_file()
    assert (out / "blue-shield-of-california/entresto/not-medically-necessary/index.html").is_file()
    assert "https://fixture.example.org/blue-shield-of-california/" in (out / "sitemap.xml").read_text()


def test_new_treatment_validates_and_refuses_to_overwrite(content_dir: Path, tmp_path: Path) -> None:
    path = scaffold(content_dir, "treatment", 'Zepbound "KwikPen"', today=date(2026, 11, 25))
    assert path.name == "zepbound-kwikpen.md"
    build(content_dir, tmp_path / "public", workers=1)
    with pytest.raises(BuildError, match="already exists"):
        scaffold(content_dir, "treatment", 'Zepbound "KwikPen"')


def test_schemas_reject_an_unknown_field(tmp_path: Path) -> None:
    schema = json.loads(export_schemas(tmp_path)[1].read_text())
    data = yaml.safe_load((FIXTURE / "payers/northwind.yaml").read_text()) | {"colour": "blue"}
    with pytest.raises(jsonschema.ValidationError, match="colour"):
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)


def test_committed_schemas_are_current(tmp_path: Path) -> None:
    for path in export_schemas(tmp_path):
        assert path.read_text() == (ROOT / "schemas" / path.name).read_text(), f"run `make schemas` ({path.name})"
