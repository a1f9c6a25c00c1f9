"""``python -m harness`` is the ``txparity`` command."""

import sys

from harness.cli import main

sys.exit(main())
