"""``python -m mediamtx_camera_sdk.testing``: run the camera-service emulator."""

from __future__ import annotations

import argparse
import sys

from ._cli import add_arguments, run


def main() -> int:
    """Parse the command line and run the emulator in the foreground."""
    parser = argparse.ArgumentParser(
        prog="python -m mediamtx_camera_sdk.testing",
        description="Run the MediaMTX Camera Service emulator in the foreground.",
    )
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
