"""``python -m perpmath``: the command-line calculator (see ``perpmath.cli``)."""

import sys

from perpmath.cli import main

if __name__ == "__main__":
    sys.exit(main())
