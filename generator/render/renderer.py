"""The Renderer: one call, render(output), turns a planned Output into the text of its file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from jinja2 import Template, TemplateError
from markupsafe import Markup

from ..errors import BuildError, ContentError
from ..incremental.outputs import Output
from ..markdown import render_markdown
from ..model import Content
from ..plan import SitePlan
from ..urls import path_prefix
from .environment import ascii_html, links_under, make_environment, template_error
from .fragments import Shared
from .guide import GuidePages
from .hub import HubPages
from .sources import marks


class Renderer:
    """Renders pages from the validated content and the plan; caches per-record fragments."""

    def __init__(self, content: Content, plan: SitePlan, templates: Path) -> None:
        self.content = content
        self.plan = plan
        self.site = content.site
        self.prefix = path_prefix(self.site.base_url)
        """The base URL's path ('' at a host's root), which every root-relative link starts with."""
        self.env = make_environment(templates, self.prefix)
        self._templates: dict[str, Template] = {}
        self._fragments: dict[tuple, Markup] = {}
        self.env.filters["marks"] = marks
        shared = Shared(content, plan, self.prefix, self.render_template, self.fragment, self.markdown)
        self.guides = GuidePages(shared)
        self.hubs = HubPages(shared)

    def template(self, name: str) -> Template:
        """A compiled template; template errors name the file and line."""
        if name not in self._templates:
            try:
                self._templates[name] = self.env.get_template(name)
            except TemplateError as exc:
                raise BuildError([template_error(exc, name)]) from exc
        return self._templates[name]

    def fragment(self, key: tuple, partial: str, **context) -> Markup:
        """Render a partial once per distinct key: plan-type rules, reason notes, treatment bodies."""
        if key not in self._fragments:
            self._fragments[key] = Markup(ascii_html(self.render_template(partial, context)))
        return self._fragments[key]

    def render_template(self, name: str, context: dict, page: str | None = None) -> str:
        """A template rendered with `context`; any error becomes a BuildError naming the template (and the page)."""
        try:
            return self.template(name).render(site=self.site, **context)
        except BuildError:
            raise
        except TemplateError as exc:
            raise BuildError([template_error(exc, name, page)]) from exc
        except Exception as exc:  # a template calling something that fails
            raise BuildError([ContentError(f"templates/{name}", 0, "", f"error while rendering: {exc}")]) from exc

    def markdown(self, key: tuple, text: str) -> Markup:
        """Markdown rendered once per record, not once per page."""
        cached = self._fragments.get(("md", *key))
        if cached is None:
            html = links_under(self.prefix, render_markdown(text)) if text else ""
            cached = self._fragments[("md", *key)] = Markup(ascii_html(html))
        return cached

    def render_file(self, name: str, **context) -> str:
        """Render a site file (sitemap, robots.txt, redirect stub)."""
        return self.render_template(name, context)

    def render(self, output: Output) -> str:
        """The text of one output: a guide, a site page, or a site file from its template."""
        if output.kind == "guide":
            return self.guides.render(output.guide)
        if output.kind == "hub":
            return self.hubs.render(output.hub)
        return self.render_file(output.template, **dict(output.values))

    def warm_up(self, outputs: Iterable[Output]) -> None:
        """Render what many pages share before forking, so that workers inherit it instead of each rendering it."""
        self.guides.warm_up(o.guide for o in outputs if o.kind == "guide")
