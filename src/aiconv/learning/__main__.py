"""``python -m aiconv.learning`` is the synthetic corpus generator (see ``synthetic_files``)."""

import sys

from aiconv.learning.synthetic_files import main

sys.exit(main())
