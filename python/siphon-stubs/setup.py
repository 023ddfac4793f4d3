# The siphon/ directory installs as the stub-only package siphon-stubs (PEP 561); the rest of the
# metadata is in pyproject.toml.
from setuptools import setup

setup(
    packages=["siphon-stubs"],
    package_dir={"siphon-stubs": "siphon"},
    package_data={"siphon-stubs": ["*.pyi", "py.typed"]},
)
