"""content/site.yaml → SiteConfig; each setting is declared once, with its default."""

from __future__ import annotations

from .fields import Fields, check_url
from .model import CtaConfig, GateConfig, RelatedConfig, SiteConfig
from .placeholders import URL_PLACEHOLDERS, unknown_placeholders
from .urls import check_permalink

DEFAULT_PERMALINK = "/{payer}/{treatment}/{reason}/"


def read_site_config(fields: Fields, base_url: str | None = None) -> SiteConfig:
    """Check site.yaml; `base_url` from the command line wins over the file."""
    title = fields.text("title", placeholders=False)
    url = base_url or fields.url("base_url", required=True) or "https://example.invalid"
    if base_url:
        fields.raw("base_url", False)
        check_url(base_url, lambda m: fields.error("base_url", f"--base-url: {m}"))
    permalink = _permalink(fields, fields.raw("permalink", False) or DEFAULT_PERMALINK)
    config = SiteConfig(
        title=title,
        base_url=url.rstrip("/"),
        language=fields.text("language", placeholders=False),
        description=fields.text("description", placeholders=False),
        permalink=permalink,
        publisher=fields.optional_text("publisher") or title,
        cta=_cta(fields.nested("cta")),
        related=_related(fields.nested("related", required=False)),
        gates=_gates(fields.nested("gates", required=False)),
        sitemap_max_urls=fields.integer("sitemap_max_urls", 50_000, 1, 50_000),
    )
    fields.finish()
    return config


def _permalink(fields: Fields, pattern: object) -> str:
    if not isinstance(pattern, str):
        fields.error("permalink", f"expected text such as {DEFAULT_PERMALINK}, got {pattern!r}")
        return DEFAULT_PERMALINK
    problem = check_permalink(pattern)
    if problem:
        fields.error("permalink", problem)
        return DEFAULT_PERMALINK
    return pattern


def _cta(fields: Fields | None) -> CtaConfig:
    if fields is None:
        return CtaConfig("", "", "", "https://example.invalid", {})
    params = fields.mapping("params") or {}
    checked: dict[str, str] = {}
    for key, value in params.items():
        if not isinstance(value, str):
            fields.error("params", f"{key}: expected text, got {value!r}", params.line_of(key))
            continue
        for token in unknown_placeholders(value, URL_PLACEHOLDERS):
            fields.error(
                "params",
                f"{key}: unknown token '{{{token}}}'; expected {{payer}}, {{treatment}} or {{reason}}",
                params.line_of(key),
            )
        checked[str(key)] = value
    cta = CtaConfig(
        heading=fields.text("heading", placeholders=True),
        text=fields.text("text"),
        button=fields.text("button", placeholders=False),
        url=fields.url("url", required=True) or "https://example.invalid",
        params=checked,
        list_price=fields.optional_text("list_price"),
        first_letter_price=fields.optional_text("first_letter_price"),
        promo_code=fields.optional_text("promo_code"),
    )
    fields.finish()
    return cta


def _related(fields: Fields | None) -> RelatedConfig:
    if fields is None:
        return RelatedConfig()
    default = RelatedConfig()
    config = RelatedConfig(
        same_payer=fields.integer("same_payer", default.same_payer, 0, 50),
        same_treatment=fields.integer("same_treatment", default.same_treatment, 0, 50),
        other_reasons=fields.integer("other_reasons", default.other_reasons, 0, 50),
        minimum=fields.integer("minimum", default.minimum, 0, 100),
    )
    fields.finish()
    return config


def _gates(fields: Fields | None) -> GateConfig:
    default = GateConfig()
    if fields is None:
        return default
    config = GateConfig(
        title_min=fields.integer("title_min", default.title_min, 1, 500),
        title_max=fields.integer("title_max", default.title_max, 1, 500),
        description_min=fields.integer("description_min", default.description_min, 1, 1000),
        description_max=fields.integer("description_max", default.description_max, 1, 1000),
        own_share_min=fields.number("own_share_min", default.own_share_min, 0.0, 1.0),
        nearest_max=fields.number("nearest_max", default.nearest_max, 0.0, 1.0),
        on_thin_page=fields.choice("on_thin_page", ("noindex", "fail"), required=False, default=default.on_thin_page),
        max_review_age_days=fields.integer("max_review_age_days", default.max_review_age_days, 1, 10_000),
        max_grade_level=fields.number("max_grade_level", default.max_grade_level, 1.0, 30.0),
        html_sample=fields.integer("html_sample", default.html_sample, 1, 1_000_000),
        note_min_words=fields.integer("note_min_words", default.note_min_words, 0, 10_000),
    )
    fields.finish()
    return config
