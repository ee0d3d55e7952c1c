"""A file a user names is read to its end, never waited on for ever or read without end."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from aiconv import user_files


def test_a_pipe_with_a_writer_is_read_as_it_comes() -> None:
    """``--config <(make-config)``: a pipe something writes to is read to its end."""
    read, write = os.pipe()
    os.write(write, b"name = 'x'\n")
    got: list[str] = []
    reader = threading.Thread(
        target=lambda: got.append(user_files.read_text(Path(f"/dev/fd/{read}")))
    )
    reader.start()
    os.write(write, b"seed = 1\n")
    os.close(write)
    reader.join(timeout=10)
    os.close(read)
    assert got == ["name = 'x'\nseed = 1\n"]


def test_a_pipe_nobody_writes_to_is_an_error_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "s.toml")
    with pytest.raises(OSError, match="a named pipe that nothing writes to"):
        user_files.read_text(tmp_path / "s.toml")


def test_a_file_without_end_stops_at_the_limit() -> None:
    """``--config /dev/zero`` would have filled the memory."""
    with pytest.raises(OSError, match="larger than 1 MB"):
        user_files.read_bytes(Path("/dev/zero"), limit=2**20)
