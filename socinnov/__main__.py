import sys

from socinnov.cli import main

sys.exit(main())
