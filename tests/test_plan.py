"""Planning: applicability rules, URLs, related guides — plain data, no rendering."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import FIXTURE

from generator.errors import BuildError
from generator.load import load_content
from generator.model import Content
from generator.plan import HubPage, SitePlan, _check_unique_paths, plan_pages
from generator.urls import check_permalink, guide_url, out_path
from generator.validate import validate_content


@pytest.fixture(scope="module")
def content() -> Content:
    return validate_content(load_content(FIXTURE))


def keys(plan) -> set[tuple[str, str, str]]:
    return {(g.payer, g.treatment, g.reason) for g in plan.guides}


def test_pages_are_exactly_the_applicable_combinations(content: Content) -> None:
    assert keys(plan_pages(content)) == {
        ("contoso", "entresto", "not-medically-necessary"),
        ("contoso", "entresto", "step-therapy"),
        ("contoso", "lumbar-spinal-fusion", "not-medically-necessary"),
        ("contoso", "lumbar-spinal-fusion", "out-of-network"),
        ("contoso", "ocrevus", "not-medically-necessary"),
        ("contoso", "ocrevus", "step-therapy"),
        ("fabrikam-rx", "entresto", "not-medically-necessary"),
        ("fabrikam-rx", "entresto", "step-therapy"),
        ("northwind", "entresto", "not-medically-necessary"),
        ("northwind", "entresto", "step-therapy"),
        ("northwind", "lumbar-spinal-fusion", "not-medically-necessary"),
        ("northwind", "lumbar-spinal-fusion", "out-of-network"),
        ("northwind", "ocrevus", "not-medically-necessary"),
    }


def test_each_rule_removes_what_it_should(content: Content) -> None:
    pages = keys(plan_pages(content))
    # step therapy is for drugs: never for a surgery
    assert not any(t == "lumbar-spinal-fusion" and r == "step-therapy" for _, t, r in pages)
    # a PBM only decides pharmacy-benefit drugs: no surgery, no clinic-infused Ocrevus
    assert not any(p == "fabrikam-rx" and t in ("lumbar-spinal-fusion", "ocrevus") for p, t, _ in pages)
    # the payer's explicit exclusion
    assert ("northwind", "ocrevus", "step-therapy") not in pages


def test_only_relevant_plan_types_are_shown(content: Content) -> None:
    plan = plan_pages(content)
    by_key = {(g.payer, g.treatment, g.reason): g for g in plan.guides}
    # Entresto is a pharmacy drug: Medicare Advantage (medical) rules do not apply, Part D rules do
    assert by_key["northwind", "entresto", "not-medically-necessary"].plan_types == (
        "employer-self-funded",
        "medicare-part-d",
    )
    # Ocrevus is infused: Part D does not apply
    assert by_key["northwind", "ocrevus", "not-medically-necessary"].plan_types == (
        "employer-self-funded",
        "medicare-advantage",
    )
    # out of network does not list Part D at all
    assert by_key["contoso", "lumbar-spinal-fusion", "out-of-network"].plan_types == (
        "employer-self-funded",
        "medicare-advantage",
    )


def test_a_treatment_that_a_plan_type_never_pays_for_leaves_only_its_own_pages_without_it(content: Content) -> None:
    # The planner remembers relevant plan types per payer, reason and benefit; a treatment's not_paid_by
    # is part of what decides them, so a sibling on the same benefit keeps the plan type (the plain way).
    from generator.plan import relevant_plan_types

    treatments = dict(content.treatments)
    treatments["entresto"] = replace(treatments["entresto"], benefit="either", not_paid_by=("medicare-part-d",))
    treatments["ocrevus"] = replace(treatments["ocrevus"], benefit="either")
    changed = replace(content, treatments=treatments)
    plan = plan_pages(changed)
    for g in plan.guides:
        plain = relevant_plan_types(
            changed.payers[g.payer], changed.treatments[g.treatment], changed.reasons[g.reason], changed.plan_types
        )
        assert g.plan_types == plain, (g.payer, g.treatment, g.reason)
    by_key = {(g.payer, g.treatment, g.reason): g for g in plan.guides}
    assert "medicare-part-d" not in by_key["northwind", "entresto", "not-medically-necessary"].plan_types
    assert "medicare-part-d" in by_key["northwind", "ocrevus", "not-medically-necessary"].plan_types


def test_a_payer_that_sells_no_relevant_plan_type_gets_no_page(content: Content) -> None:
    contoso = replace(content.payers["contoso"], plan_types=("medicare-part-d",))
    changed = replace(content, payers={**content.payers, "contoso": contoso})
    pages = keys(plan_pages(changed))
    assert not any(p == "contoso" and t != "entresto" for p, t, _ in pages)


def test_related_guides_exist_and_number_at_least_eight(content: Content) -> None:
    plan = plan_pages(content)
    for i, related in enumerate(plan.related):
        assert i not in related
        assert len(related) == len(set(related))
        assert all(0 <= j < len(plan.guides) for j in related)
        assert len(related) >= min(8, len(plan.guides) - 1)


def test_related_order_is_same_payer_then_same_treatment_then_other_reasons(content: Content) -> None:
    plan = plan_pages(content)
    index = next(
        i
        for i, g in enumerate(plan.guides)
        if (g.payer, g.treatment, g.reason) == ("northwind", "entresto", "step-therapy")
    )
    page = plan.guides[index]

    def group(g) -> int:
        if g.payer == page.payer and g.treatment != page.treatment and g.reason == page.reason:
            return 0
        if g.treatment == page.treatment and g.payer != page.payer and g.reason == page.reason:
            return 1
        if g.payer == page.payer and g.treatment == page.treatment:
            return 2
        return 3

    groups = [group(plan.guides[j]) for j in plan.related[index]]
    assert groups == sorted(groups)
    assert groups[:3] == [1, 2, 3] or groups[0] in (0, 1)


def test_planning_is_deterministic(content: Content) -> None:
    one, two = plan_pages(content), plan_pages(content)
    assert one.guides == two.guides and one.related == two.related


def test_urls_follow_the_permalink_pattern(content: Content) -> None:
    alt = replace(content, site=replace(content.site, permalink="/guides/{treatment}/{payer}/{reason}/"))
    urls = {g.url for g in plan_pages(alt).guides}
    assert "/guides/entresto/northwind/step-therapy/" in urls
    assert (
        str(out_path("/guides/entresto/northwind/step-therapy/")) == "guides/entresto/northwind/step-therapy/index.html"
    )


def test_paths_never_leave_the_output_folder() -> None:
    with pytest.raises(ValueError):
        out_path("/a/../b/")
    assert check_permalink("/{payer}/{treatment}/{reason}/") is None
    assert "no '..'" in check_permalink("/../{payer}/{treatment}/{reason}/")
    assert guide_url("/{payer}-{treatment}-{reason}/", "a", "b", "c") == "/a-b-c/"


def test_collision_between_guide_and_hub_is_an_error(content: Content) -> None:
    # /{payer}/{treatment}-{reason}/ with payer "plan-types", treatment "medicare-part" and reason "d"
    # lands on /plan-types/medicare-part-d/, the Part D hub.
    payer = replace(content.payers["northwind"], slug="plan-types", exclude=())
    reason = replace(content.reasons["step-therapy"], slug="d")
    treatment = replace(content.treatments["entresto"], slug="medicare-part", reasons=("d",), reason_notes={})
    changed = replace(
        content,
        site=replace(content.site, permalink="/{payer}/{treatment}-{reason}/"),
        payers={"plan-types": payer},
        treatments={"medicare-part": treatment},
        reasons={"d": replace(reason, plan_types=("medicare-part-d",))},
    )
    with pytest.raises(BuildError) as caught:
        plan_pages(changed)
    assert str(caught.value).splitlines()[0] == (
        "content: slug: plan_type page medicare-part-d and guide plan-types × medicare-part × d "
        "would both be written to plan-types/medicare-part-d/index.html; rename one slug"
    )


def test_a_folder_url_and_its_index_file_are_a_collision() -> None:
    # Distinct URLs, one file: /a/ is written to a/index.html.
    plan = SitePlan([], [HubPage("payer", "a", "/a/"), HubPage("404", "", "/a/index.html")], [])
    with pytest.raises(BuildError) as caught:
        _check_unique_paths(plan)
    assert "404 page and payer page a would both be written to a/index.html" in str(caught.value)
    _check_unique_paths(SitePlan([], [HubPage("payer", "a", "/a/"), HubPage("404", "", "/a/other.html")], []))


@pytest.mark.parametrize("slug", ["..", ".", "a\\b"])
def test_a_url_that_would_leave_the_output_folder_is_an_error(content: Content, slug: str) -> None:
    # Validation refuses such slugs; planning checks again, since a wrong path would write anywhere.
    payer = replace(content.payers["northwind"], slug=slug)
    with pytest.raises(BuildError) as caught:
        plan_pages(replace(content, payers={slug: payer}))
    assert "would write outside the output folder" in str(caught.value)
