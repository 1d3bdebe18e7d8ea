"""The optional C decoders; everything else about the package is in pyproject.toml.

``optional=True``: where the extension cannot be compiled (no C compiler), the
build goes on without it and the SDK decodes with its Python decoders.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "mediamtx_camera_sdk._speedups",
            sources=["src/mediamtx_camera_sdk/_speedups.c"],
            optional=True,
        )
    ]
)
