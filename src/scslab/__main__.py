"""``python -m scslab``: the same command line as the ``scslab`` console script."""

import sys

from scslab.cli import main

sys.exit(main())
