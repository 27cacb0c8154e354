"""`make serve`: a preview that rebuilds on every edit, shows the page open in the browser first,
and shows build errors in the browser, without ever stopping on bad content."""

from __future__ import annotations

import threading

from ..paths import Paths
from .server import make_server
from .session import Preview

PREVIEW = ".preview"
"""The preview builds here, never into public/, and does not watch its own output."""


def preview_paths(paths: Paths) -> Paths:
    """Where the preview builds: beside the output folder, so `make build`'s public/ is never touched."""
    return Paths(paths.content, paths.out.parent / PREVIEW, paths.templates, paths.static)


def serve(paths: Paths, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False) -> int:
    """Build the preview, then serve it with live reload until Ctrl-C."""
    preview = Preview(preview_paths(paths), drafts=drafts)
    preview.rebuild()
    server = make_server(preview, host, port)
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop,), name="preview-builder", daemon=True)
    watcher.start()
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    print(
        f"Preview at http://{shown}:{server.server_address[1]}/{' (drafts shown)' if drafts else ''} (Ctrl-C to stop)",
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("\nStopped.")
    finally:
        stop.set()
        server.server_close()
    return 0
