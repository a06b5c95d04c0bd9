"""One process at a time per run folder: the one place that takes the run-folder lock.

Two `train`/`resume` commands writing one folder would interleave checkpoints and histories into a
run neither of them describes. The lock is an OS lock (`flock` on `<run>/.emotrain.lock`), so a
killed process releases it with its file descriptors; no stale lock is ever left to clean up by
hand. The file holds the holder's pid and host, for the refusal message only.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from emotrain.errors import TrainingError

LOCK_FILE = ".emotrain.lock"

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]


def _try_lock(fd: int) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    if msvcrt is not None:  # pragma: no cover - Windows
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    return True  # pragma: no cover - no OS lock here: go on unlocked rather than refuse to run


def lock_holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {int(info['pid'])} on {info.get('host') or 'this machine'}"
    except (OSError, ValueError, TypeError, KeyError):
        return "a process whose pid is not recorded"


@contextlib.contextmanager
def run_folder_lock(root: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the exclusive lock of run folder `root` (made if missing) for the block.

    A folder this call made and the block left empty is removed again, so a command refused
    before training leaves nothing behind. Raises TrainingError naming the holder when another
    process has the lock.
    """
    folder = Path(root)
    made = not folder.exists()
    path = folder / LOCK_FILE
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:  # name the folder the user gave, not our lock file
            raise OSError(exc.errno, exc.strerror or str(exc), str(folder)) from exc
        if not _try_lock(fd):
            os.close(fd)
            raise TrainingError(
                f"{folder} is in use by another emotrain command ({lock_holder(path)}); wait for it "
                "to finish, or stop it first"
            )
        # The previous holder may have removed the file between our open and our lock: then we
        # hold a lock on a file nobody else can see, so start again on the current one.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode())
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # before releasing, so a waiting process re-checks (see above)
        os.close(fd)
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty
