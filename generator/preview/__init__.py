"""`make serve`: a preview that rebuilds on every edit, shows the page open in the browser first,
and shows build errors in the browser, without ever stopping on bad content."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

from ..paths import Paths
from .server import make_server
from .session import Preview

PREVIEW = ".preview"
"""The preview builds here, never into public/, and does not watch its own output."""


def preview_paths(paths: Paths) -> Paths:
    """Where the preview builds: beside the output folder, so `make build`'s public/ is never touched."""
    return Paths(paths.content, paths.out.parent / PREVIEW, paths.templates, paths.static)


@contextmanager
def running(
    paths: Paths, host: str = "127.0.0.1", port: int = 0, drafts: bool = False, interval: float = 0.1, log=print
) -> Iterator[tuple[Preview, ThreadingHTTPServer]]:
    """A preview of `paths` built, served and watched (port 0 picks a free one) until the block ends."""
    preview = Preview(paths, drafts=drafts, log=log)
    preview.rebuild()
    server = make_server(preview, host, port)
    stop = threading.Event()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    threading.Thread(target=preview.watch, args=(stop, interval), name="preview-builder", daemon=True).start()
    try:
        yield preview, server
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def serve(paths: Paths, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False) -> int:
    """Build the preview, then serve it with live reload until Ctrl-C."""
    with running(preview_paths(paths), host, port, drafts) as (_, server):
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        drafted = " (drafts shown)" if drafts else ""
        print(f"Preview at http://{shown}:{server.server_address[1]}/{drafted} (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nStopped.")
    return 0
