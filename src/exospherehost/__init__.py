"""Exosphere Python SDK: a typed replacement for exospherehost 0.0.3's graph API.

The wire models are generated from spec/exosphere/ into the `exosphere_api` package; the drop-in
StateManager layer documented in the seed is built on top of them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
