"""Dev server: rebuilds into a preview folder on every change and reloads open browsers."""

from __future__ import annotations

import time

from .build import build_site
from .errors import BuildError
from .faults import Fault
from .paths import Paths

PREVIEW = ".preview"
"""The dev server builds here, never into public/, and does not watch its own output."""


def rebuild(paths: Paths) -> bool:
    """One incremental build into the preview folder; errors print and keep the last good preview."""
    started = time.perf_counter()
    try:
        # A preview follows the editor: removing most of the content is an edit like any other.
        result = build_site(paths, base_url="http://127.0.0.1", allow_shrink=True)
    except BuildError as exc:
        print(f"\n{exc}\nFix the file above; the preview still shows the last good build.", flush=True)
        return False
    except Fault as exc:
        print(f"\n{exc}", flush=True)
        return False
    print(f"Rebuilt: {result.written:,} pages changed in {time.perf_counter() - started:.2f} s", flush=True)
    return True


def serve(paths: Paths, port: int = 8000) -> int:
    """Serve the preview on 127.0.0.1 with live reload."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler

    # livereload ignores a second reload within 3 s of the last one; edits come faster than that.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0
    preview = Paths(paths.content, paths.out.parent / PREVIEW, paths.templates, paths.static)
    rebuild(preview)
    server = Server()
    for folder in (paths.content, paths.templates, paths.static):
        server.watch(str(folder), lambda: rebuild(preview))
    print(f"Preview at http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    server.serve(root=str(preview.out), host="127.0.0.1", port=port, open_url_delay=None)
    return 0
