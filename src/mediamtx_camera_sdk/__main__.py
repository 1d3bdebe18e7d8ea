"""``python -m mediamtx_camera_sdk``: the ``mediamtx-camera`` command line."""

import sys

from .cli import main

sys.exit(main())
