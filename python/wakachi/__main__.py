"""`python -m wakachi` (what `torchrun -m wakachi train ...` runs)."""

import sys

from wakachi.cli import main

sys.exit(main())
