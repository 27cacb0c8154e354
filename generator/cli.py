"""`python -m generator`: build | check | serve | new | schemas; prints errors and sets the exit code."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from .build import build_site
from .errors import BuildError
from .faults import Fault, Refused, explained
from .paths import Paths
from .progress import terminal_progress
from .urls import base_url_problem

PROJECT = Path.cwd()

EXIT_INTERNAL = 70
"""EX_SOFTWARE: a bug in the generator, as opposed to bad content (1) or a refused argument (2)."""


def _paths(args: argparse.Namespace) -> Paths:
    return Paths.from_project(
        PROJECT, Path(args.content) if args.content else None, Path(args.out) if args.out else None
    )


def _base_url(args: argparse.Namespace) -> str | None:
    """--base-url, refused before anything is read when pages could not carry it as it is."""
    problem = base_url_problem(args.base_url) if args.base_url else None
    if problem:
        raise Refused(f"--base-url {args.base_url}", "checking the site's address", problem)
    return args.base_url


def _waiting(out: Path) -> None:
    print(f"{out}: another build is writing this output folder; waiting for it to finish", file=sys.stderr, flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    """Build the site into the output folder."""
    paths = _paths(args)
    result = build_site(
        paths,
        base_url=_base_url(args),
        workers=args.jobs,
        progress=terminal_progress(),
        allow_shrink=args.allow_shrink,
        waiting=lambda: _waiting(paths.out),
    )
    print(result.summary(paths.out))
    if args.timings:
        print(result.steps_line())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Build if needed, then run the quality gates."""
    from .checks import run_checks

    return run_checks(_paths(args), base_url=_base_url(args), quick=args.quick, report=Path(args.report))


def cmd_serve(args: argparse.Namespace) -> int:
    """Preview with live reload."""
    from .preview import serve

    return serve(_paths(args), host=args.host, port=args.port, drafts=args.drafts)


def cmd_new(args: argparse.Namespace) -> int:
    """Scaffold a new payer or treatment."""
    from .scaffold import scaffold

    path = scaffold(_paths(args).content, args.kind, " ".join(args.name))
    print(f"Created {path}. Fill in every field, then run `make build`.")
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    """Export JSON Schema files for editors."""
    from .schema import export_schemas

    for path in export_schemas(Path(args.folder)):
        print(f"Wrote {path}")
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--content", help="content folder (default: content/)")
        p.add_argument("--out", help="output folder (default: public/)")
        p.add_argument(
            "--base-url",
            help="absolute site address, overriding site.yaml base_url; a path (https://x.org/guides/) prefixes every link",
        )

    build = sub.add_parser("build", help="build the site")
    common(build)
    build.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    build.add_argument("--timings", action="store_true", help="also print the seconds of each step of the build")
    build.add_argument(
        "--allow-shrink", action="store_true", help="publish even if the build removes most of the published pages"
    )
    build.set_defaults(func=cmd_build)

    check = sub.add_parser("check", help="build if needed and run the quality gates")
    common(check)
    check.add_argument("--quick", action="store_true", help="validate a sample of pages' HTML, not all")
    check.add_argument("--report", default="reports/check.json", help="where to write the JSON report")
    check.set_defaults(func=cmd_check)

    serve = sub.add_parser("serve", help="preview at http://127.0.0.1:PORT with live reload")
    common(serve)
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve.add_argument("--drafts", action="store_true", help="also show payers and treatments marked draft: true")
    serve.set_defaults(func=cmd_serve)

    new = sub.add_parser("new", help="scaffold a payer or treatment file")
    new.add_argument("kind", choices=["payer", "treatment"])
    new.add_argument("name", nargs="+", help="display name, e.g. 'Blue Shield of California'")
    new.add_argument("--content", help="content folder (default: content/)")
    new.set_defaults(func=cmd_new, out=None, base_url=None)

    schemas = sub.add_parser("schemas", help="export JSON Schema files for editors")
    schemas.add_argument("--folder", default="schemas")
    schemas.set_defaults(func=cmd_schemas)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; expected faults print one line each, a bug prints "internal error" and its traceback."""
    args = make_parser().parse_args(argv)
    out = Path(args.out) if getattr(args, "out", None) else PROJECT / "public"
    try:
        return args.func(args)
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    except Fault as exc:
        print(exc, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        # On a terminal the progress bar or ^C is on the current line: start a fresh one.
        start = "\n" if sys.stderr.isatty() else ""
        print(f"{start}{out}: building the site: interrupted; the previous site is unchanged", file=sys.stderr)
        return 130
    except OSError as exc:
        fault = explained(exc, out, "building the site")
        if fault is None:
            return _internal_error()
        print(fault, file=sys.stderr)
        return fault.code
    except Exception:
        return _internal_error()


def _internal_error() -> int:
    """A bug, never an expected fault: say so, with the traceback to report."""
    print("internal error: this is a bug in the generator; please report it with this traceback:", file=sys.stderr)
    traceback.print_exc()
    return EXIT_INTERNAL
