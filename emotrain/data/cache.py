"""On-disk cache of log-mel features, so the second run over a corpus skips decoding entirely.

An entry is keyed by the SHA-256 of the audio file's bytes and by the digest of the feature
parameters and of the decoder (libsndfile) and resampler (soxr) versions: a renamed or moved file
still hits; an edited file, a changed recipe or an upgraded decoder (whose MP3 output may differ by
a few samples) misses, and the old entries are simply never looked at again. Entries
are written atomically (emotrain.io), so a killed run never leaves a half-written entry behind;
an unreadable entry is simply recomputed. Files are extracted in parallel threads (decoding,
resampling and the STFT all release the GIL) and results come back in input order.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emotrain.data.audio import AudioReadError, load_audio
from emotrain.io import atomic_write_bytes, sha256_file
from emotrain.plugin.features import DEFAULT_PARAMS, MelParams, log_mel

ProgressFn = Callable[[str, int, int], None]
PROGRESS_LABEL = "extracting audio features"


@dataclass
class Extracted:
    """One file's outcome: features (frames, n_mels) or the reason it could not be used.

    With `keep=False` (a corpus of hundreds of songs), `features` is None even on success and
    `frames` and `digest` say where to read them again (`FeatureCache.read`): the corpus copies
    each song into one preallocated tensor, so no song's array lives longer than its copy.
    """

    path: Path
    features: np.ndarray | None
    error: str | None = None
    cached: bool = False
    frames: int = 0
    digest: str | None = None


def user_cache_dir() -> Path:
    """The platform's per-user cache folder (XDG on Linux), used when no run folder is known."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "emotrain" / "features"


def resolve_cache_dir(cache_dir: str | Path | None, output_dir: Path | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if output_dir is not None:
        return Path(output_dir) / "cache" / "features"
    return user_cache_dir()


def decoder_versions() -> dict[str, str]:
    """The libraries whose output the features depend on besides our own code."""
    import soundfile
    import soxr

    return {
        "libsndfile": str(getattr(soundfile, "__libsndfile_version__", "unknown")),
        "soxr": str(getattr(soxr, "__version__", "unknown")),
    }


def cache_key(params: MelParams) -> str:
    """Folder name of one recipe's entries: the feature parameters plus the decoder versions."""
    text = json.dumps({"params": params.digest(), **decoder_versions()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class FeatureCache:
    """Features by content hash under `<folder>/<cache key>/<hash[:2]>/<hash>.npy`."""

    def __init__(self, folder: Path, params: MelParams = DEFAULT_PARAMS, *, rebuild: bool = False):
        self.folder = Path(folder)
        self.params = params
        self.rebuild = rebuild
        self.key = cache_key(params)

    def entry_path(self, digest: str) -> Path:
        return self.folder / self.key / digest[:2] / f"{digest}.npy"

    def load(self, digest: str) -> np.ndarray | None:
        return None if self.rebuild else self.read(digest)

    def read(self, digest: str) -> np.ndarray | None:
        """The entry, checked, even under `rebuild` (for an entry this run has just written)."""
        path = self.entry_path(digest)
        try:
            feats = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None  # absent or damaged: recompute and overwrite
        ok = feats.ndim == 2 and feats.shape[1] == self.params.n_mels and feats.dtype == np.float32
        return feats if ok and feats.shape[0] > 0 and np.all(np.isfinite(feats)) else None

    def store(self, digest: str, feats: np.ndarray) -> None:
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(feats, dtype=np.float32), allow_pickle=False)
        atomic_write_bytes(self.entry_path(digest), buffer.getvalue())

    def features(self, path: Path, *, keep: bool = True) -> Extracted:
        """Never raises for a bad audio file: the reason is returned for the corpus report."""
        try:
            digest = sha256_file(path)
        except OSError as exc:
            return Extracted(path, None, f"cannot read file: {exc.strerror or exc}")
        feats = self.load(digest)
        cached = feats is not None
        if feats is None:
            try:
                feats = log_mel(load_audio(path, self.params.sample_rate), self.params)
            except AudioReadError as exc:
                return Extracted(path, None, str(exc))
            self.store(digest, feats)
        return Extracted(path, feats if keep else None, None, cached, feats.shape[0], digest)


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def cache_note(results: Sequence[Extracted], cache: FeatureCache) -> str:
    """The report's line on where a source's features came from (cache hits against extracted)."""
    hits = sum(r.cached for r in results)
    return (
        f"features: {hits} file(s) from the cache, {len(results) - hits} extracted "
        f"(cache: {cache.folder})"
    )


def extract_all(
    paths: Sequence[Path],
    cache: FeatureCache,
    *,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    keep: bool = True,
) -> list[Extracted]:
    """Features of every path, in the order given, whatever order the threads finish in;
    `keep=False`: only make sure each is in the cache (see `Extracted`)."""
    total = len(paths)
    results: list[Extracted | None] = [None] * total
    if progress:
        progress(PROGRESS_LABEL, 0, total)
    n_workers = min(workers or default_workers(), max(1, total))
    if n_workers == 1:
        for i, path in enumerate(paths):
            results[i] = cache.features(path, keep=keep)
            if progress:
                progress(PROGRESS_LABEL, i + 1, total)
    else:
        pool = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="emotrain-features")
        try:
            futures = {
                pool.submit(cache.features, path, keep=keep): i for i, path in enumerate(paths)
            }
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress:
                    progress(PROGRESS_LABEL, done, total)
        except BaseException:
            # Ctrl-C must not wait for thousands of queued files: drop them, let running ones end.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    return [r for r in results if r is not None]
