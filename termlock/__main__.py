import sys

from termlock.cli import main

sys.exit(main())
