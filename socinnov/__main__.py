import sys

from socinnov.cli.main import main

sys.exit(main())
