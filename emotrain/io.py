"""Atomic file writes: a crash, a kill or a full disk leaves the previous good file in place.

Every file that matters (checkpoints, histories, exports, split manifests, the run configuration) goes
through `atomic_write_bytes`: write a temporary file in the same folder, fsync it, rename it over the
target, then fsync the folder so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _read_umask() -> int:
    """The process umask, read once: changing it to read it is not safe once threads write files."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _file_mode(target: Path) -> int:
    """The replaced file's mode, or what a plain open() would give: mkstemp's 0600 would make an
    exported model unreadable to a plugin host running as another user."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_UMASK


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace `path` with `data` so that readers see either the old file or the whole new one."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:  # name the folder, not the temporary file nobody asked for
        raise OSError(exc.errno, exc.strerror or str(exc), str(target.parent)) from exc
    try:
        os.fchmod(fd, _file_mode(target))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError) and not exc.filename:  # say which file could not be written
            raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
        raise
    fsync_dir(target.parent)
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> Path:
    # allow_nan=False: NaN/Infinity are not JSON and would make other tools reject the whole file.
    text = json.dumps(obj, indent=indent, allow_nan=False, ensure_ascii=False)
    return atomic_write_text(path, text + "\n")


def atomic_torch_save(path: str | os.PathLike[str], obj: Any) -> Path:
    """Serialise with torch.save into memory first, so a failed pickle never touches the disk."""
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return atomic_write_bytes(path, buffer.getvalue())


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in blocks (feature-cache keys, export provenance)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_folder_can_be_made(folder: Path, option: str = "--output") -> None:
    """Refuse, before any work is done, a folder path that is (or sits inside) a file: otherwise
    the error comes at the first write, after minutes of training or evaluating."""
    from emotrain.errors import ConfigError

    probe = Path(folder)
    while not probe.exists():
        if probe.parent == probe:
            return
        probe = probe.parent
    if not probe.is_dir():
        what = "is a file" if probe == Path(folder) else f"is inside {probe}, which is a file"
        raise ConfigError(f"{option}: {folder} {what}; give a folder")


def check_folder_writable(folder: Path, option: str = "--output") -> None:
    """Refuse up front a folder this process cannot write into (read-only, someone else's), so
    the refusal comes before minutes of training or evaluating rather than at the first write.
    Exit status 1 (UnwritableError), as the write itself would fail."""
    from emotrain.errors import UnwritableError

    check_folder_can_be_made(folder, option)
    probe = Path(folder)
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        where = "" if probe == Path(folder) else f" (it would be made inside {probe})"
        raise UnwritableError(
            f"{option}: cannot write into {folder}{where}: permission denied or read-only"
        )


def remove_stale_temp_files(root: Path) -> int:
    """A crash mid-write leaves `.<file>.<random>.tmp` beside the good file; they are never valid.

    Only for a run folder no other process is writing into (resume runs one at a time)."""
    removed = 0
    from emotrain.runs.paths import RunPaths

    run = RunPaths(root)
    for folder in (root, run.checkpoints_dir, run.history_dir, run.splits_dir, run.plots_dir):
        if folder.is_dir():
            for p in folder.glob(".*.tmp"):
                p.unlink(missing_ok=True)
                removed += 1
    return removed
