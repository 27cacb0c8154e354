"""`python -m generator` runs the command line."""

import os
import sys

from .cli import main

code = main()
if os.environ.get("APPEAL_GUIDES_FAST_EXIT") == "1":
    # Asked for by the bench: leave without freeing every object one by one (the system reclaims
    # the memory at once), which is part of what a large build's wall time would otherwise show.
    # Never the default, so that `python -m cProfile -m generator build` and atexit work.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
