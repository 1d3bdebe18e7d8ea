"""``python -m mediamtx_camera_sdk``: the ``mediamtx-camera`` command line.

(``python -m mediamtx_camera_sdk.cli`` runs the 1.0 SDK's ``mediamtx-camera-cli``.)
"""

import sys

from ._command import main

sys.exit(main())
