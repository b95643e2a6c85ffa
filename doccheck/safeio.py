"""Reading and writing files that doccheck does not control, without blocking, exhausting memory or littering.

Everything doccheck reads — sources, rules, configuration, baselines, ``@file``
lists, cache entries — comes through `read_regular`: the file is opened
non-blocking (a FIFO named ``layer.py`` or ``baseline.json`` must not hang the
run), must be a regular file once open (``/dev/zero`` must not be read at all)
and is read only up to a size limit.  Every problem is an `OSError` (a
`NotReadable` with a clear ``strerror``), so callers keep one ``except OSError``.

Files doccheck writes (baselines, cache entries) go through `write_atomic`: a
temporary file next to the target, renamed over it only when complete, and
removed again when anything fails (a full disk must not leave ``.tmp`` files).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile

DEFAULT_LIMIT = 64 * 1024 * 1024  # bytes; callers with smaller inputs pass their own limit
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)


class NotReadable(OSError):
    """A path that is not a regular file, or a file over the size limit."""

    def __init__(self, path, reason: str, code: int = errno.EINVAL):
        super().__init__(code, reason, os.fspath(path))


def kind(mode: int) -> str:
    """What a file that is not a regular file is, in words (for messages)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular(path, limit: int = DEFAULT_LIMIT) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them (else `NotReadable`).

    O_NONBLOCK makes opening a FIFO return at once instead of waiting for a
    writer; the type is checked on the open descriptor (no race with a swap).
    """
    fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_NOCTTY | _O_BINARY)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable(path, f"not a regular file: {kind(info.st_mode)}")
        if info.st_size > limit:
            raise NotReadable(path, f"file too large: {info.st_size} bytes, more than the limit of {limit}", errno.EFBIG)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew while being read
                raise NotReadable(path, f"file too large: more than the limit of {limit} bytes", errno.EFBIG)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path, limit: int = DEFAULT_LIMIT) -> str:
    """`read_regular` decoded as UTF-8 (UnicodeDecodeError for other bytes)."""
    return read_regular(path, limit).decode("utf-8")


def describe(error: OSError) -> str:
    """A one-line reason for an OSError, without repeating the (possibly very long) path."""
    return error.strerror or type(error).__name__


def public_mode(path) -> int:
    """The mode a plain ``open(path, "w")`` would give: the existing file's, else 0666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path, data: bytes, mode: int | None = None) -> None:
    """Write `data` to `path` through a temporary file that never outlives a failure."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
