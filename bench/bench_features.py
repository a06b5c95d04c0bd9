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
same run, alternating the two; the goal (#18, #25) is a ratio of at least 1.5x. The ratio of
the two pipelines' CPU time (their thread's own time) is printed too: on a machine other jobs are
using it moves less than the wall-clock ratio. librosa comes with the `dev` extra; without it
that comparison is skipped.
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


def make_files(folder: Path, n: int, seconds: float, fmt: str, *, channels: int = 2) -> list[Path]:
    """44.1 kHz music-like signals (chords plus noise): stereo like DEAM's MP3 excerpts, or mono."""
    import soundfile as sf

    sr = 44100
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(sr * seconds)) / sr
    files = []
    for i in range(n):
        rng = np.random.default_rng(i)
        root = 110.0 * 2 ** (i % 12 / 12)
        y = sum(np.sin(2 * np.pi * root * k * t) / k for k in (1, 2, 3, 5)) * 0.15
        y = y + 0.02 * rng.standard_normal(t.shape[0])
        path = folder / f"{i}.{fmt}"
        data = np.stack([y, 0.8 * y], axis=1) if channels == 2 else y[:, None]
        sf.write(path, data.astype(np.float32), sr)
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


def versus_librosa(files: list[Path], rounds: int, label: str) -> float | None:
    """Per-file wall time of both pipelines, interleaved so a busy machine slows both alike, on
    one thread each (BLAS, OpenMP and torch limited to 1): the ratio of their totals per round,
    the median over the rounds, and the best time of each file over the rounds."""
    try:
        import librosa
    except ImportError:
        print("vs librosa: skipped (pip install librosa, or the dev extra)")
        return None

    def ours(path: Path) -> tuple[float, float, float]:
        cpu, start = time.thread_time(), time.perf_counter()
        y = load_audio(path)
        decoded = time.perf_counter()
        log_mel(y)
        end = time.perf_counter()
        return decoded - start, end - decoded, time.thread_time() - cpu

    def theirs(path: Path) -> tuple[float, float, float]:
        cpu, start = time.thread_time(), time.perf_counter()
        y, sr = librosa.load(path, sr=22050)
        decoded = time.perf_counter()
        librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr), top_db=80.0)
        end = time.perf_counter()
        return decoded - start, end - decoded, time.thread_time() - cpu

    ours(files[0]), theirs(files[0])  # imports, plans and caches out of the timing
    times = {  # (round, file, [decode wall, features wall, CPU of both])
        "emotrain": np.zeros((rounds, len(files), 3)),
        "librosa": np.zeros((rounds, len(files), 3)),
    }
    for r in range(rounds):
        for i, path in enumerate(files):
            for name, fn in (("emotrain", ours), ("librosa", theirs)):
                times[name][r, i] = fn(path)
    for name, t in times.items():
        wall = t[..., :2]
        best = wall[np.argmin(wall.sum(axis=2), axis=0), np.arange(len(files))]  # (files, 2)
        decode_ms, features_ms = best.mean(axis=0) * 1000
        print(
            f"  {name:<9} (best of {rounds}) decode {decode_ms:6.1f} ms + "
            f"features {features_ms:6.1f} ms = {decode_ms + features_ms:6.1f} ms"
        )
    per_round = times["librosa"][..., :2].sum(axis=(1, 2)) / times["emotrain"][..., :2].sum(
        axis=(1, 2)
    )
    cpu = times["librosa"][..., 2].sum(axis=1) / times["emotrain"][..., 2].sum(axis=1)
    ratio = float(np.median(per_round))
    print(
        f"  {label}: x{ratio:.2f} librosa, median of {rounds} rounds "
        f"({per_round.min():.2f}-{per_round.max():.2f}; goal x1.5)\n"
        f"  {label}: x{np.median(cpu):.2f} librosa in CPU time ({cpu.min():.2f}-{cpu.max():.2f})"
    )
    return ratio


def one_thread():
    """BLAS, OpenMP and torch on one thread for the comparison: librosa's matrix product and our
    FFT then compete on equal terms, and a busy machine cannot stall either in a thread barrier."""
    import contextlib

    import torch

    stack = contextlib.ExitStack()
    try:
        from threadpoolctl import threadpool_limits

        stack.enter_context(threadpool_limits(1))
    except ImportError:
        pass
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    stack.callback(torch.set_num_threads, before)
    return stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--mono-seconds", type=float, default=20.0, help="0: no mono shape")
    parser.add_argument("--format", default="mp3", choices=[s.lstrip(".") for s in AUDIO_SUFFIXES])
    parser.add_argument("--workers", type=int, default=0, help="0: the default (min(8, CPUs))")
    parser.add_argument("--audio-dir", type=Path, help="benchmark these files instead")
    parser.add_argument("--rounds", type=int, default=5, help="passes of the librosa comparison")
    parser.add_argument("--librosa-only", action="store_true", help="skip the cold/cached runs")
    args = parser.parse_args()
    workers = args.workers or default_workers()

    with tempfile.TemporaryDirectory() as tmp:
        if args.audio_dir:
            files = sorted(
                p for p in args.audio_dir.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES
            )
            shapes = {f"{args.audio_dir.name}": files}
        else:
            files = make_files(Path(tmp) / "stereo", args.files, args.seconds, args.format)
            shapes = {f"stereo {args.seconds:g} s": files}
            if args.mono_seconds > 0:
                shapes[f"mono {args.mono_seconds:g} s"] = make_files(
                    Path(tmp) / "mono", args.files, args.mono_seconds, args.format, channels=1
                )
        audio_s = sum(audio_duration(p) for p in files)
        if not args.librosa_only:
            print(
                f"{len(files)} files, {audio_s / 60:.1f} min of audio; {workers} worker "
                f"thread(s) on {os.cpu_count()} CPUs"
            )
            cache = FeatureCache(Path(tmp) / "cache")
            report("cold (decode + features)", len(files), audio_s, run(files, cache, workers))
            report("cached (hash + load)", len(files), audio_s, run(files, cache, workers))
            if workers > 1:
                serial = FeatureCache(Path(tmp) / "cache-serial")
                report("cold, 1 worker", len(files), audio_s, run(files, serial, 1))
        ratios = {}
        with one_thread():
            for label, paths in shapes.items():
                print(f"vs librosa, {len(paths)} {args.format} files, {label} at 44.1 kHz:")
                ratios[label] = versus_librosa(paths, args.rounds, label)
        print("  ".join(f"{k}: x{v:.2f}" for k, v in ratios.items() if v is not None))


if __name__ == "__main__":
    main()
