"""The preview's HTTP server: the preview folder's files (pages rendered ahead first), the site's own
404 page for unknown paths, and a small event stream that tells open pages to reload or show errors.

Nothing outside the preview folder is served: a path is resolved, symlinks included, and refused
unless it stays inside the folder.
"""

from __future__ import annotations

import json
import mimetypes
import posixpath
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .session import Preview

CLIENT = Path(__file__).with_name("client.js")
HEARTBEAT = 15.0
"""Seconds between keep-alive comments on the event stream (and between checks that the page is still open)."""


def output_rel(url_path: str) -> str | None:
    """The output file a URL path names ("/a/b/" is "a/b/index.html"), or None when it climbs out."""
    path = unquote(url_path)
    if "\0" in path or "\\" in path:
        return None
    normal = posixpath.normpath("/" + path.lstrip("/"))
    if normal != "/" and any(part in ("..", "") for part in normal.split("/")[1:]):
        return None
    rel = normal.lstrip("/")
    if path.endswith("/") or rel == "":
        rel = posixpath.join(rel, "index.html")
    return rel


def inside(root: Path, rel: str) -> Path | None:
    """The file `rel` names under `root`, if it exists and (symlinks resolved) stays inside it."""
    real_root = root.resolve()
    target = (real_root / rel).resolve()
    if not target.is_relative_to(real_root):
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD only; the preview is read-only."""

    preview: Preview
    server_version = "appeal-guides-preview"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        url = urlsplit(self.path)
        if url.path == "/__preview/events":
            return self.events(parse_qs(url.query).get("path", ["/"])[0])
        if url.path == "/__preview/state":
            return self.send(
                HTTPStatus.OK, json.dumps(self.preview.state().as_json()).encode(), "application/json", head
            )
        if url.path == "/__preview/client.js":
            return self.send(HTTPStatus.OK, CLIENT.read_bytes(), "text/javascript", head)
        # The generation is read before the page: a rebuild that lands in between makes the page
        # reload once more, never miss the rebuild (its script may connect after the rebuild told the others).
        generation = self.preview.state().generation
        rel = output_rel(url.path)
        if rel is None:
            return self.not_found(head, generation)
        body = self.preview.ahead(rel)
        if body is None:
            file = inside(self.preview.paths.out, rel)
            if file is None:
                if not url.path.endswith("/") and inside(self.preview.paths.out, rel + "/index.html"):
                    return self.redirect(url.path + "/")
                return self.not_found(head, generation)
            body, rel = file.read_bytes(), file.name
        kind = mimetypes.guess_type(rel)[0] or "application/octet-stream"
        self.send(HTTPStatus.OK, body, kind, head, generation)

    def not_found(self, head: bool, generation: int) -> None:
        page = inside(self.preview.paths.out, "404.html")
        body = page.read_bytes() if page else b"<!doctype html><title>Not found</title><h1>Not found</h1>"
        self.send(HTTPStatus.NOT_FOUND, body, "text/html", head, generation)

    def redirect(self, to: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send(self, status: HTTPStatus, body: bytes, kind: str, head: bool = False, generation: int = 0) -> None:
        if kind == "text/html":
            body = with_client(body, generation)
            kind += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def events(self, page_path: str) -> None:
        """Server-sent events: the state now, then each time it changes, while the page stays open."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        rel = output_rel(page_path) or "index.html"
        self.preview.opened(rel)
        try:
            state = self.preview.state()
            self.wfile.write(b"data: " + json.dumps(state.as_json()).encode() + b"\n\n")
            self.wfile.flush()
            while True:
                now = self.preview.wait(state, HEARTBEAT)
                message = (
                    b": still here\n\n" if now == state else b"data: " + json.dumps(now.as_json()).encode() + b"\n\n"
                )
                self.wfile.write(message)
                self.wfile.flush()
                state = now
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        finally:
            self.preview.closed(rel)


def client_tag(generation: int) -> bytes:
    """The preview's script, told the generation of the page it is in."""
    return b'<script src="/__preview/client.js" data-generation="%d" defer></script>' % generation


def with_client(html: bytes, generation: int) -> bytes:
    """The page with the preview's script added: it reloads on a rebuild and shows build errors."""
    tag = client_tag(generation)
    at = html.rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


def make_server(preview: Preview, host: str, port: int) -> ThreadingHTTPServer:
    """A threaded server (the event streams hold a thread each) bound to host and port."""
    handler = type("PreviewHandler", (Handler,), {"preview": preview})
    server = ThreadingHTTPServer((host, port), partial(handler))
    server.daemon_threads = True
    return server
