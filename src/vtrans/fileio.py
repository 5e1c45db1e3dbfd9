"""Writing output files atomically: a reader never sees a partial file, and a failure
leaves nothing behind (the tool never half-writes an output)."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from vtrans.errors import VtransError


class OutputError(VtransError):
    """An output file could not be written."""


def write_atomically(path: str, data: bytes, *, executable: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename.
    The file gets the usual permissions (0644, or 0755 for an executable)."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=".vtrans-", dir=directory)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o755 if executable else 0o644)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OutputError(f"cannot write {path}: {e.strerror}") from e
        raise


def write_json_atomically(path: str, data: Any) -> None:
    """``data`` as indented, key-sorted JSON (one trailing newline), written atomically."""
    write_atomically(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
