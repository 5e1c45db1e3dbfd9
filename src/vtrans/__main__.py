import sys

from vtrans.cli.main import main

sys.exit(main())
