"""What the page renderers share: the content, the plan and the ways to render a template or Markdown once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from ..model import Content
from ..pages import SitePlan


@dataclass(frozen=True)
class Shared:
    """Handed by the Renderer to what renders guides and hubs, so they need not know the Renderer."""

    content: Content
    plan: SitePlan
    prefix: str
    """The base URL's path, which every root-relative link gets."""
    render_template: Callable[..., str]
    """(template name, context, page url) → text; errors name the template and the page."""
    fragment: Callable[..., Markup]
    """A partial rendered once per key."""
    markdown: Callable[[tuple, str], Markup]
    """Markdown rendered once per key."""


class PageKind:
    """What renders one kind of page (guides, site pages): the shared content, plan and render helpers."""

    def __init__(self, shared: Shared) -> None:
        self.content = shared.content
        self.plan = shared.plan
        self.site = shared.content.site
        self.prefix = shared.prefix
        self.fragment = shared.fragment
        self.markdown = shared.markdown
        self._render = shared.render_template
