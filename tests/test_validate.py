"""Bad content: every mistake is reported with file, line, field and what was expected,
the build exits non-zero, and the previous output is left byte-identical."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, build, fixture_paths, tree_digest

from generator.build import build_site
from generator.cli import main
from generator.errors import BuildError
from generator.load import MAX_FILE_BYTES


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


Case = Callable[[Path], None]

CASES: dict[str, tuple[Case, str]] = {
    "yaml syntax error": (
        lambda c: edit(c / "payers/contoso.yaml", "kind: blue-plan", "kind: [blue-plan"),
        "content/payers/contoso.yaml:4: YAML syntax error: did not find expected ',' or ']'",
    ),
    "wrong type": (
        lambda c: edit(
            c / "payers/contoso.yaml",
            "plan_types: [employer-self-funded, medicare-advantage]",
            "plan_types: employer-self-funded",
        ),
        "content/payers/contoso.yaml:4: plan_types: expected a list, got text ('employer-self-funded')",
    ),
    "number where text is expected": (
        lambda c: edit(c / "payers/contoso.yaml", "short_name: Contoso", "short_name: 42"),
        "content/payers/contoso.yaml:2: short_name: expected text, got a number (42); put it in quotes",
    ),
    "wrong choice": (
        lambda c: edit(c / "treatments/ocrevus.md", "kind: biologic", "kind: biologics"),
        "content/treatments/ocrevus.md:6: kind: expected one of drug, biologic, device, procedure, service, test; got 'biologics'",
    ),
    "missing required field": (
        lambda c: edit(c / "payers/contoso.yaml", "short_name: Contoso\n", ""),
        "content/payers/contoso.yaml:1: short_name: required field is missing",
    ),
    "unknown key": (
        lambda c: edit(c / "payers/contoso.yaml", "kind: blue-plan", "kind: blue-plan\ncolour: blue"),
        "content/payers/contoso.yaml:4: colour: unknown field; expected one of: aliases, benefits, covers_kinds, draft, exclude, facts, kind, last_reviewed, name, notes, plan_types, policy_library, processes, redirect_from, short_name, sources, states",
    ),
    "unknown nested key": (
        lambda c: edit(
            c / "payers/contoso.yaml",
            "  name: Contoso Coverage Guidelines",
            "  name: Contoso Coverage Guidelines\n  link: https://x.example",
        ),
        "content/payers/contoso.yaml:7: policy_library.link: unknown field; expected one of: cite, copy, effective, name, number, reviewed, url",
    ),
    "unknown reason": (
        lambda c: edit(
            c / "treatments/entresto.md",
            "reasons: [not-medically-necessary, step-therapy]",
            "reasons: [not-medically-necessary, step-therapy, made-up]",
        ),
        "content/treatments/entresto.md:25: reasons: no reason 'made-up' (looked for content/reasons/made-up.yaml)",
    ),
    "unknown plan type": (
        lambda c: edit(c / "payers/contoso.yaml", "medicare-advantage]", "medicare-advantge]"),
        "content/payers/contoso.yaml:4: plan_types: no plan type 'medicare-advantge' (looked for content/plan-types/medicare-advantge.yaml)",
    ),
    "plan-type step for an unknown reason": (
        lambda c: edit(
            c / "plan-types/medicare-advantage.yaml",
            "    who_files: forwarded\n",
            "    who_files: forwarded\n    reasons: [made-up]\n",
        ),
        "content/plan-types/medicare-advantage.yaml:24: steps[1].reasons: no reason 'made-up' (looked for content/reasons/made-up.yaml)",
    ),
    "fast appeal for an unknown reason": (
        lambda c: edit(
            c / "plan-types/medicare-advantage.yaml",
            "  cite: 42 CFR 422.590(e)\n",
            "  cite: 42 CFR 422.590(e)\n  reasons: [made-up]\n",
        ),
        "content/plan-types/medicare-advantage.yaml:29: expedited.reasons: no reason 'made-up' (looked for content/reasons/made-up.yaml)",
    ),
    "plan-type step open to an unknown reason": (
        lambda c: edit(
            c / "plan-types/employer-self-funded.yaml",
            "  - name: External review\n    who_files: you\n",
            "  - name: External review\n    who_files: you\n    when:\n      made-up:\n        text: if so\n        cite: A rule\n",
        ),
        "content/plan-types/employer-self-funded.yaml:33: steps[1].when.made-up: no reason 'made-up' (looked for content/reasons/made-up.yaml)",
    ),
    "treatment not paid by an unknown plan type": (
        lambda c: edit(c / "treatments/entresto.md", "kind: drug\n", "kind: drug\nnot_paid_by: [medicare-part-e]\n"),
        "content/treatments/entresto.md:7: not_paid_by: no plan type 'medicare-part-e' (looked for content/plan-types/medicare-part-e.yaml)",
    ),
    "reason's words for an unknown plan type": (
        lambda c: edit(
            c / "reasons/out-of-network.yaml",
            "kinds: [",
            'ask_for_by_plan_type:\n  medicare-advantge: "Ask."\nkinds: [',
        ),
        "content/reasons/out-of-network.yaml:6: ask_for_by_plan_type.medicare-advantge: no plan type 'medicare-advantge' (looked for content/plan-types/medicare-advantge.yaml)",
    ),
    "reason's opening for an unknown plan type": (
        lambda c: edit(
            c / "reasons/out-of-network.yaml",
            "kinds: [",
            'lede_by_plan_type:\n  medicare-advantge: "It says so."\nkinds: [',
        ),
        "content/reasons/out-of-network.yaml:6: lede_by_plan_type.medicare-advantge: no plan type 'medicare-advantge' (looked for content/plan-types/medicare-advantge.yaml)",
    ),
    "pair for an unknown treatment": (
        lambda c: shutil.copy(c / "payers/northwind/entresto.md", c / "payers/northwind/entrest.md"),
        "content/payers/northwind/entrest.md:1: treatment: no treatment 'entrest' (looked for content/treatments/entrest.md)",
    ),
    "process for an unknown reason": (
        lambda c: edit(
            c / "payers/northwind.yaml", "  step-therapy:\n    plan_types", "  step-therapie:\n    plan_types"
        ),
        "content/payers/northwind.yaml:19: processes.step-therapie: no reason 'step-therapie' (looked for content/reasons/step-therapie.yaml)",
    ),
    "process for a plan type the payer does not sell": (
        lambda c: edit(
            c / "payers/contoso.yaml",
            "states:",
            "processes:\n  step-therapy:\n    plan_types: [medicare-part-d]\n    last_reviewed: 2026-11-20\n    steps:\n      - text: Ask.\n        cite: Contoso page\nstates:",
        ),
        "content/payers/contoso.yaml:13: processes.step-therapy.plan_types: 'medicare-part-d' is not one of contoso's plan_types (employer-self-funded, medicare-advantage)",
    ),
    "process step without a cite": (
        lambda c: edit(c / "payers/northwind.yaml", "        cite: Northwind step therapy exception page\n", ""),
        "content/payers/northwind.yaml:24: processes.step-therapy.steps[0].cite: required field is missing",
    ),
    "duplicate slug via redirect": (
        lambda c: edit(c / "payers/contoso.yaml", "redirect_from: [contoso-health]", "redirect_from: [northwind]"),
        "content/payers/contoso.yaml:12: redirect_from: 'northwind' is the slug of an existing record; a redirect would hide it",
    ),
    "two names with the same slug": (
        lambda c: edit(c / "payers/fabrikam-rx.yaml", "name: Fabrikam Rx", "name: Contoso  CARE!"),
        "content/payers/fabrikam-rx.yaml:1: name: 'Contoso  CARE!' gives the same slug 'contoso-care' as content/payers/contoso.yaml; names must be distinct",
    ),
    "bad slug in file name": (
        lambda c: (c / "payers/contoso.yaml").rename(c / "payers/Contoso Care.yaml"),
        "content/payers/Contoso Care.yaml: slug 'Contoso Care' must be lower-case letters, digits and single hyphens ([a-z0-9-]+); rename the file",
    ),
    "empty file": (
        lambda c: (c / "reasons/step-therapy.yaml").write_text(""),
        "content/reasons/step-therapy.yaml:1: file is empty; expected a YAML mapping of fields",
    ),
    "not utf-8": (
        lambda c: (c / "reasons/step-therapy.yaml").write_bytes(
            (c / "reasons/step-therapy.yaml").read_bytes().replace(b"cheaper", b"cheap\xe9r")
        ),
        "content/reasons/step-therapy.yaml:4: not UTF-8 text (byte 0xe9 at offset 161); save the file as UTF-8",
    ),
    "huge file": (
        lambda c: (c / "reasons/step-therapy.yaml").write_bytes(b"# pad\n" * (MAX_FILE_BYTES // 6 + 1)),
        f"content/reasons/step-therapy.yaml: file is {(MAX_FILE_BYTES // 6 + 1) * 6:,} bytes; expected at most {MAX_FILE_BYTES:,}",
    ),
    "bad date": (
        lambda c: edit(c / "payers/contoso.yaml", "last_reviewed: 2026-11-22", "last_reviewed: 22/11/2026"),
        "content/payers/contoso.yaml:9: last_reviewed: expected a date written YYYY-MM-DD, got '22/11/2026'",
    ),
    "unknown placeholder": (
        lambda c: edit(c / "reasons/step-therapy.yaml", "before {treatment}", "before {treatmnt}"),
        "content/reasons/step-therapy.yaml:3: lede: unknown placeholder '{treatmnt}'; expected {payer} or {treatment}",
    ),
    "unknown placeholder in a body": (
        lambda c: edit(c / "treatments/ocrevus.md", "Plans want the MS", "{insurer} wants the MS"),
        "content/treatments/ocrevus.md:32: body: unknown placeholder '{insurer}'; expected {payer} or {treatment}",
    ),
    "javascript link in markdown": (
        lambda c: edit(
            c / "treatments/ocrevus.md", "Plans want the MS", "[Click](javascript:alert(1)) Plans want the MS"
        ),
        "content/treatments/ocrevus.md:32: body: expected a link to an http:// or https:// address or a path on this site starting with /; got 'javascript:alert(1)'",
    ),
    "javascript url in a field": (
        lambda c: edit(
            c / "payers/northwind.yaml",
            "url: https://fixture.example.org/northwind/policies",
            "url: javascript:alert(1)",
        ),
        "content/payers/northwind.yaml:8: policy_library.url: expected an absolute http:// or https:// address, got 'javascript:alert(1)'",
    ),
    "unsafe cta url in site.yaml": (
        lambda c: edit(c / "site.yaml", "url: https://fixture.example.org/letter/", "url: data:text/html,hi"),
        "content/site.yaml:10: cta.url: expected an absolute http:// or https:// address, got 'data:text/html,hi'",
    ),
    "permalink that climbs out of the output folder": (
        lambda c: edit(
            c / "site.yaml", "permalink: /{payer}/{treatment}/{reason}/", "permalink: /../{payer}/{treatment}/{reason}/"
        ),
        "content/site.yaml:5: permalink: each part between slashes must be lower-case letters, digits, '.', '_' or '-' (no '..'); got '/../{payer}/{treatment}/{reason}/'",
    ),
    "permalink missing a token": (
        lambda c: edit(
            c / "site.yaml", "permalink: /{payer}/{treatment}/{reason}/", "permalink: /{payer}/{treatment}/"
        ),
        "content/site.yaml:5: permalink: pattern must use {reason} so every page gets its own URL; got '/{payer}/{treatment}/'",
    ),
    "reason whose denials are all claims and some claims": (
        lambda c: edit(c / "reasons/out-of-network.yaml", "claims_too: true", "claims_too: true\nafter_care: true"),
        "content/reasons/out-of-network.yaml:7: claims_too: expected claims_too or after_care, not both: after_care says every denial is of a claim",
    ),
    "reason that does not fit the treatment kind": (
        lambda c: edit(
            c / "treatments/lumbar-spinal-fusion.md",
            "reasons: [not-medically-necessary, out-of-network]",
            "reasons: [not-medically-necessary, out-of-network, step-therapy]",
        ),
        "content/treatments/lumbar-spinal-fusion.md:22: reasons: reason 'step-therapy' does not apply to kind 'procedure' (it applies to drug, biologic)",
    ),
}


@pytest.fixture
def built_copy(content_dir: Path, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    return content_dir, out, tree_digest(out)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_content_is_reported_and_output_untouched(case: str, built_copy, monkeypatch) -> None:
    content, out, before = built_copy
    monkeypatch.chdir(content.parent)
    breaker, expected = CASES[case]
    breaker(content)
    with pytest.raises(BuildError) as caught:
        build(content, out, workers=1)
    lines = str(caught.value).splitlines()
    assert expected in lines, "\n".join(lines)
    assert re.match(r"\d+ errors? in \d+ files?\. Nothing was written; the output folder is unchanged\.", lines[-1])
    assert tree_digest(out) == before
    assert not any(p.name.endswith(".staging") for p in out.parent.iterdir())


def test_errors_are_all_collected_and_sorted(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(content_dir.parent)
    edit(content_dir / "payers/contoso.yaml", "kind: blue-plan", "kind: blue")
    edit(content_dir / "treatments/ocrevus.md", "kind: biologic", "kind: biologics")
    edit(content_dir / "payers/contoso.yaml", "short_name: Contoso\n", "")
    with pytest.raises(BuildError) as caught:
        build(content_dir, tmp_path / "public")
    assert str(caught.value).splitlines() == [
        "content/payers/contoso.yaml:1: short_name: required field is missing",
        "content/payers/contoso.yaml:2: kind: expected one of insurer, blue-plan, pbm, government; got 'blue'",
        "content/treatments/ocrevus.md:6: kind: expected one of drug, biologic, device, procedure, service, test; got 'biologics'",
        "3 errors in 2 files. Nothing was written; the output folder is unchanged.",
    ]


@pytest.mark.parametrize(
    ("template", "old", "new", "expected"),
    [
        (
            "guide.html",
            "{{ h1 }}</h1>",
            "{{ h1 }}{{ no_such_variable }}</h1>",
            "templates/guide.html:24: template: UndefinedError: 'no_such_variable' is undefined while building /contoso/entresto/not-medically-necessary/",
        ),
        (
            "guide.html",
            '<h2 id="timeline-h">Work out your dates</h2>',
            '{% for pt in plan_types %<h2 id="timeline-h">',
            "templates/guide.html:65: template: TemplateSyntaxError: unexpected '<'",
        ),
        (
            "partials/plan_type_rules.html",
            "<h3>{{ step.name }}</h3>",
            "<h3>{{ step.name }}{{ step.no_such_field }}</h3>",
            "templates/partials/plan_type_rules.html:6: template: UndefinedError: 'generator.model.Step object' has no attribute 'no_such_field'",
        ),
    ],
)
def test_template_errors_name_file_and_line(template, old, new, expected, tmp_path: Path, monkeypatch) -> None:
    from conftest import FIXTURE

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    edit(templates / template, old, new)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "public"
    build(FIXTURE, out, workers=1)
    before = tree_digest(out)
    paths = fixture_paths(FIXTURE, out)
    paths = type(paths)(paths.content, out, templates, paths.static)
    with pytest.raises(BuildError) as caught:
        build_site(paths, workers=1)
    assert str(caught.value).splitlines()[0].startswith(expected)
    assert tree_digest(out) == before


def test_cli_prints_errors_and_exits_1(content_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    edit(content_dir / "payers/contoso.yaml", "kind: blue-plan", "kind: blue")
    code = main(["build", "--content", str(content_dir), "--out", str(tmp_path / "public")])
    err = capsys.readouterr().err
    assert code == 1
    assert "contoso.yaml:3: kind: expected one of insurer, blue-plan, pbm, government; got 'blue'" in err
    assert not (tmp_path / "public").exists()
