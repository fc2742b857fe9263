"""`python -m derive.cli ...` is `bptt ...`."""

import sys

from .app import main

sys.exit(main())
