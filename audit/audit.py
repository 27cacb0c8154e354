"""`make audit`: Lighthouse (audit/package.json pins it) on one indexable page of each kind of the built
site, mobile, the median of three runs. Prints the four scores; fails when accessibility, SEO or best
practices is under 100 and warns when performance is under 90. Not part of CI (about a minute a page)."""

from __future__ import annotations

import functools
import http.server
import json
import statistics
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "public"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MUST_BE_100 = ("accessibility", "best-practices", "seo")
RUNS = 3


def pages() -> dict[str, str]:
    """One page of each kind that search engines may index: it is in the sitemap."""
    listed = (PUBLIC / "sitemap.xml").read_text("utf-8")
    guide = next(
        "/" + p.parent.relative_to(PUBLIC).as_posix() + "/"
        for p in sorted(PUBLIC.glob("*/*/*/index.html"))
        if f"/{p.parent.relative_to(PUBLIC).as_posix()}/</loc>" in listed
    )
    return {
        "guide": guide,
        "home": "/",
        "payer": "/aetna/",
        "treatment": "/treatments/semaglutide/",
        "reason": "/reasons/step-therapy/",
        "plan type": "/plan-types/medicare-advantage/",
        "A-Z": "/a-z/",
    }


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def main() -> int:
    if not (PUBLIC / "index.html").is_file():
        print("Build the site first (make build).")
        return 2
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(PUBLIC.resolve())))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    kinds = pages()
    done = subprocess.run(
        ["node", str(ROOT / "audit" / "lighthouse.mjs"), str(RUNS), *(base + url for url in kinds.values())],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    server.shutdown()
    if done.returncode != 0:
        print(done.stderr)
        return done.returncode
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    failed = False
    print(f"Lighthouse, mobile, median of {RUNS} runs:")
    print(f"{'page':<11}{'perf':>6}{'a11y':>6}{'best':>6}{'seo':>6}  url")
    for kind, url in kinds.items():
        results = runs[base + url]
        median = {c: round(100 * statistics.median(r[c] for r in results)) for c in CATEGORIES}
        print(f"{kind:<11}" + "".join(f"{median[c]:>6}" for c in CATEGORIES) + f"  {url}")
        for c in MUST_BE_100:
            if median[c] < 100:
                failed = True
                audits = sorted({a for r in results for a in r["failed"]})
                print(f"  FAIL {c} {median[c]} < 100 (audits not passed: {', '.join(audits) or 'none binary'})")
        if median["performance"] < 90:
            print(f"  warn performance {median['performance']} < 90")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
