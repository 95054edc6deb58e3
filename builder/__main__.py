"""`python -m builder` runs the `handout` command."""

import sys

from builder.cli import main

sys.exit(main())
