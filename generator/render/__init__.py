"""Render: the Jinja environment, what each kind of page shows, and the Renderer that dispatches on an output's kind."""

from .renderer import Renderer

__all__ = ["Renderer"]
