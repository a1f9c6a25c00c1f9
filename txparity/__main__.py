"""``python -m txparity`` is the ``txparity`` command."""

import sys

from txparity.harness.cli import main

sys.exit(main())
