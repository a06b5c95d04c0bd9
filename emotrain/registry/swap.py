"""Replacing a folder as a whole: the new set written beside it, then swapped in with one rename.

On Linux the swap is `renameat2(RENAME_EXCHANGE)`, atomic even when the folder exists; elsewhere it
is two renames, and an interruption between them is put right by `recover` (the next ship or
verify calls it). Hidden siblings `.<folder>.ship-*` and `.<folder>.old-*` are the only traces.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import sys
from pathlib import Path

from emotrain.io import fsync_dir


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # an old kernel or a file system without it: use the two renames
    raise OSError(code, os.strerror(code), str(b))


def _siblings(target: Path, kind: str) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.{kind}-*"))


def recover(target: Path) -> None:
    """Put right what an interrupted ship left: a folder moved aside but not replaced is moved
    back, and unfinished new sets (never visible under the target's name) are removed."""
    if not target.exists():
        old = _siblings(target, "old")
        if old:
            os.rename(old[-1], target)
    for leftover in (*_siblings(target, "ship"), *_siblings(target, "old")):
        shutil.rmtree(leftover, ignore_errors=True)


def swap_in(new: Path, target: Path) -> None:
    """`new` takes `target`'s name in one step where the system allows it (the old set is gone
    after), else by two renames that `recover` can finish."""
    if not target.exists():
        os.rename(new, target)
    elif _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old set
    else:
        aside = target.parent / f".{target.name}.old-{secrets.token_hex(4)}"
        os.rename(target, aside)
        os.rename(new, target)
        shutil.rmtree(aside, ignore_errors=True)
    fsync_dir(target.parent)
