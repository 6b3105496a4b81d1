"""``python -m polykeras`` runs the command line."""
import sys

from polykeras.cli import main

sys.exit(main())
