"""`python -m generator`: build | check | serve | new | schemas; prints errors and sets the exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import build_site
from .errors import BuildError
from .paths import Paths
from .progress import terminal_progress

PROJECT = Path.cwd()


def _paths(args: argparse.Namespace) -> Paths:
    return Paths.from_project(
        PROJECT, Path(args.content) if args.content else None, Path(args.out) if args.out else None
    )


def cmd_build(args: argparse.Namespace) -> int:
    """Build the site into the output folder."""
    paths = _paths(args)
    result = build_site(paths, base_url=args.base_url, workers=args.jobs, progress=terminal_progress())
    print(result.summary(paths.out))
    if args.timings:
        print(result.steps_line())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Build if needed, then run the quality gates."""
    from .checks import run_checks

    return run_checks(_paths(args), base_url=args.base_url, quick=args.quick, report=Path(args.report))


def cmd_serve(args: argparse.Namespace) -> int:
    """Preview with live reload."""
    from .serve import serve

    return serve(_paths(args), port=args.port)


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
        p.add_argument("--base-url", help="absolute site address, overriding site.yaml base_url")

    build = sub.add_parser("build", help="build the site")
    common(build)
    build.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    build.add_argument("--timings", action="store_true", help="also print the seconds of each step of the build")
    build.set_defaults(func=cmd_build)

    check = sub.add_parser("check", help="build if needed and run the quality gates")
    common(check)
    check.add_argument("--quick", action="store_true", help="validate a sample of pages' HTML, not all")
    check.add_argument("--report", default="reports/check.json", help="where to write the JSON report")
    check.set_defaults(func=cmd_check)

    serve = sub.add_parser("serve", help="preview at http://127.0.0.1:PORT with live reload")
    common(serve)
    serve.add_argument("--port", type=int, default=8000)
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
    """Run one command; content errors print one per line and exit 1."""
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted. The output folder is unchanged.", file=sys.stderr)
        return 130
