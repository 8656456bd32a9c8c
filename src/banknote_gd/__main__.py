"""``python -m banknote_gd`` runs the command line."""

import sys

from .cli import main

sys.exit(main())
