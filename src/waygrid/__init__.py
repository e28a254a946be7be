"""Waygrid Python SDK: typed traversal specs and an HTTP client for the Waygrid router.

The wire models are generated from spec/waygrid/ into the `waygrid_api` package; the fluent builder layer
documented in the seed is built on top of them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
