from __future__ import annotations

import os

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.snapshot import WireBytesExtension


def pytest_configure(config: pytest.Config) -> None:
    # CI compares against committed snapshots only: rewriting them there would hide a wire change.
    if os.environ.get("CI") and config.getoption("--snapshot-update", default=False):
        raise pytest.UsageError("--snapshot-update is refused when CI is set: update snapshots locally and commit them")


@pytest.fixture
def wire_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshot of exact encoded bytes; a missing snapshot fails unless --snapshot-update is given."""
    return snapshot.use_extension(WireBytesExtension)
