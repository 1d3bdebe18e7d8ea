"""What the test machine can build: shared by the packaging and C-decoder tests."""

from __future__ import annotations

import shlex
import shutil
import sysconfig


def compiler_available() -> bool:
    """Whether the C compiler Python was built with is on this machine (pip uses it)."""
    compiler = sysconfig.get_config_var("CC")
    return bool(compiler) and shutil.which(shlex.split(compiler)[0]) is not None
