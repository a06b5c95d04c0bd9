"""Benchmark audio feature extraction: files/s and real-time factor, cold and cached.

Usage:
    python bench/bench_features.py                      # 16 generated 45 s MP3s (DEAM-like)
    python bench/bench_features.py --files 8 --seconds 30 --format flac --workers 1
    python bench/bench_features.py --audio-dir ~/DEAM/MEMD_audio   # your own files

"Cold" decodes, resamples and computes log-mel for every file into an empty cache; "cached" runs
again over the same cache and only hashes the files and reads the .npy entries. Speed is reported
as files per second and as a real-time factor: seconds of audio processed per second of wall time
(x100 means a 45 s song takes 0.45 s).

"vs librosa" times, file by file on one thread, emotrain's decode + features (`load_audio` then
`log_mel`) against librosa's `load` + `melspectrogram` + `power_to_db` on the same files in the
same run, alternating the two; the goal (#18) is a ratio of at least 1.5x. librosa comes with the
`dev` extra; without it that comparison is skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emotrain.data.audio import AUDIO_SUFFIXES, audio_duration, load_audio
from emotrain.data.cache import FeatureCache, default_workers, extract_all
from emotrain.plugin.features import log_mel


def make_files(folder: Path, n: int, seconds: float, fmt: str) -> list[Path]:
    """Stereo 44.1 kHz music-like signals (chords plus noise), like DEAM's MP3 excerpts."""
    import soundfile as sf

    sr = 44100
    t = np.arange(int(sr * seconds)) / sr
    files = []
    for i in range(n):
        rng = np.random.default_rng(i)
        root = 110.0 * 2 ** (i % 12 / 12)
        y = sum(np.sin(2 * np.pi * root * k * t) / k for k in (1, 2, 3, 5)) * 0.15
        y = y + 0.02 * rng.standard_normal(t.shape[0])
        path = folder / f"{i}.{fmt}"
        sf.write(path, np.stack([y, 0.8 * y], axis=1).astype(np.float32), sr)
        files.append(path)
    return files


def run(files: list[Path], cache: FeatureCache, workers: int) -> float:
    start = time.perf_counter()
    results = extract_all(files, cache, workers=workers)
    elapsed = time.perf_counter() - start
    failed = [r for r in results if r.features is None]
    if failed:
        print(f"  {len(failed)} file(s) failed, e.g. {failed[0].path.name}: {failed[0].error}")
    return elapsed


def report(label: str, n: int, audio_s: float, elapsed: float) -> None:
    print(
        f"{label:<28} {elapsed:8.2f} s  {n / elapsed:8.1f} files/s  "
        f"x{audio_s / elapsed:8.1f} real time"
    )


def versus_librosa(files: list[Path], rounds: int) -> None:
    """Per-file wall time of both pipelines, interleaved so a busy machine slows both alike."""
    try:
        import librosa
    except ImportError:
        print("vs librosa: skipped (pip install librosa, or the dev extra)")
        return

    def ours(path: Path) -> tuple[float, float]:
        start = time.perf_counter()
        y = load_audio(path)
        decoded = time.perf_counter()
        log_mel(y)
        return decoded - start, time.perf_counter() - decoded

    def theirs(path: Path) -> tuple[float, float]:
        start = time.perf_counter()
        y, sr = librosa.load(path, sr=22050)
        decoded = time.perf_counter()
        librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr), top_db=80.0)
        return decoded - start, time.perf_counter() - decoded

    ours(files[0]), theirs(files[0])  # imports, plans and caches out of the timing
    inf = (float("inf"), float("inf"))
    best = {"emotrain": [inf] * len(files), "librosa": [inf] * len(files)}
    for _ in range(rounds):
        for i, path in enumerate(files):
            for name, fn in (("emotrain", ours), ("librosa", theirs)):
                best[name][i] = min(best[name][i], fn(path), key=sum)
    total = {name: np.sum(times, axis=0) * 1000 / len(files) for name, times in best.items()}
    for name, (decode_ms, features_ms) in total.items():
        print(
            f"{name:<9} per file (best of {rounds}, 1 thread): decode {decode_ms:6.1f} ms + "
            f"features {features_ms:6.1f} ms = {decode_ms + features_ms:6.1f} ms"
        )
    ratio = total["librosa"].sum() / total["emotrain"].sum()
    print(f"emotrain runs at x{ratio:.2f} librosa's speed (goal: x1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--format", default="mp3", choices=[s.lstrip(".") for s in AUDIO_SUFFIXES])
    parser.add_argument("--workers", type=int, default=0, help="0: the default (min(8, CPUs))")
    parser.add_argument("--audio-dir", type=Path, help="benchmark these files instead")
    parser.add_argument("--rounds", type=int, default=3, help="passes of the librosa comparison")
    args = parser.parse_args()
    workers = args.workers or default_workers()

    with tempfile.TemporaryDirectory() as tmp:
        if args.audio_dir:
            files = sorted(
                p for p in args.audio_dir.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES
            )
        else:
            files = make_files(Path(tmp), args.files, args.seconds, args.format)
        audio_s = sum(audio_duration(p) for p in files)
        print(
            f"{len(files)} files, {audio_s / 60:.1f} min of audio; {workers} worker thread(s) "
            f"on {os.cpu_count()} CPUs"
        )
        cache = FeatureCache(Path(tmp) / "cache")
        report("cold (decode + features)", len(files), audio_s, run(files, cache, workers))
        report("cached (hash + load)", len(files), audio_s, run(files, cache, workers))
        if workers > 1:
            serial = FeatureCache(Path(tmp) / "cache-serial")
            report("cold, 1 worker", len(files), audio_s, run(files, serial, 1))
        versus_librosa(files, args.rounds)


if __name__ == "__main__":
    main()
