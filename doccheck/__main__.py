import sys

from doccheck.cli import main

sys.exit(main())
