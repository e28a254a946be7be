"""A syrupy extension that stores the exact bytes a test encodes: key order, omitted fields and spacing all show."""

from __future__ import annotations

from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode


class WireBytesExtension(SingleFileSnapshotExtension):
    """One `.json` file per snapshot holding the encoded request body byte for byte (never re-serialised)."""

    _write_mode = WriteMode.BINARY
    file_extension = "json"

    def serialize(self, data: Any, **kwargs: Any) -> bytes:
        if not isinstance(data, bytes):
            raise TypeError(f"wire snapshots take the encoded bytes, got {type(data).__name__}")
        return data
