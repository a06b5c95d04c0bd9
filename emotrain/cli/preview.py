"""`emotrain preview AUDIO... --models SOURCE`: the plugin's chain over songs, as files and pictures.

Exit status: 0 when every song was previewed, 1 when any audio file was skipped (the others are
still written), 2 for a usage error (nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.cli.options import JsonOpt

AudioArg = Annotated[
    list[Path],
    typer.Argument(
        metavar="AUDIO",
        help="Audio files (WAV, FLAC, OGG, MP3), previewed in this order.",
        show_default=False,
    ),
]


def _line(result: Any) -> str:
    if result.skipped:
        return f"{result.audio}: skipped: {result.skipped}"
    s = result.summary
    parts = [f"{s['duration_s']:.1f} s"]
    emotion = s.get("emotion")
    if emotion:
        share = emotion["quadrant_share"]
        top = max(share, key=share.get)
        parts.append(f"valence {emotion['mean_valence']:+.2f} arousal {emotion['mean_arousal']:+.2f}"
                     f", mostly {top} ({share[top]:.0%})")  # fmt: skip
    melody = s.get("melody")
    if melody:
        from emotrain.preview.decode import note_name

        count = melody["notes_written"]
        low, high = melody["lowest"], melody["highest"]
        span = (
            ""
            if not count
            else f" {note_name(low)}" + (f"-{note_name(high)}" if high != low else "")
        )
        parts.append(f"{count} note{'' if count == 1 else 's'}{span}")
    return f"{Path(result.audio).name}: " + ", ".join(parts) + f" -> {result.folder}"


def preview(
    audio: AudioArg,
    models: Annotated[
        Path | None,
        typer.Option(
            "--models",
            metavar="SOURCE",
            help="A shipped models folder (checked against models.lock.json), a run folder, or a "
            "folder of <name>.json files.",
            show_default=False,
        ),
    ] = None,
    registry: Annotated[
        Path | None,
        typer.Option(
            "--registry",
            metavar="DIR",
            help="Take the models from this registry instead of --models (with --alias).",
            show_default=False,
        ),
    ] = None,
    alias: Annotated[
        str | None,
        typer.Option(
            "--alias",
            metavar="NAME",
            help="With --registry: the alias whose holders to run. Default: shipped.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="DIR", help="Folder for one <file stem>/ per song."),
    ] = Path("preview"),
    bpm: Annotated[
        float,
        typer.Option("--bpm", metavar="BPM", help="Host tempo: the melody steps are sixteenths."),
    ] = 120.0,
    decode: Annotated[
        str,
        typer.Option(
            "--decode",
            metavar="RULE",
            help="top1 (the most probable note per step) or sample (seeded); see docs/preview.md.",
        ),
    ] = "top1",
    min_prob: Annotated[
        float,
        typer.Option(
            "--min-prob",
            metavar="P",
            help="A step whose most probable note is below P is a rest.",
        ),
    ] = 0.1,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of --decode sample.")] = 0,
    live_set: Annotated[
        bool,
        typer.Option(
            "--live-set",
            help="Play the files back to back with one reset, as the plugin runs through a set. "
            "Default: one reset per file.",
        ),
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the files of an earlier preview.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Preview what the plugin does with songs: emotion, melody, harmony, dynamics, groove.

    Runs the exported networks as the plugin wires them and writes, per song,
    <output>/<stem>/: emotion.csv, outputs.npz, emotion.png, melody.png,
    melody.mid and summary.json. Exit 1 when an audio file was skipped.
    """
    import json
    import sys

    from emotrain.preview import PreviewOptions, check_options, preview_files, resolve

    options = PreviewOptions(output, bpm, decode, min_prob, seed, live_set, overwrite)
    check_options(audio, options)  # usage errors before any model file is read
    model_set = resolve(models, registry, alias)
    err = sys.stderr
    if not json_out:
        for name, net in model_set.networks.items():
            if not net.loaded:
                err.write(f"note: {name}: {net.problem}; the plugin falls back to heuristics\n")
            elif net.warning:
                err.write(f"warning: {name}: {net.warning}\n")
        if not_run := model_set.not_run():
            files = ", ".join(model_set.get(name).file for name in not_run)
            err.write(f"note: not run, as they take the emotion recognizer's output: {files}; "
                      "the plugin feeds them its heuristic emotion, which preview does not "
                      "reproduce\n")  # fmt: skip
    progress = _Progress(len(audio), quiet=json_out)
    try:
        results = preview_files(audio, model_set, options, on_song=progress.song_done)
    finally:
        progress.close()
    skipped = [r for r in results if r.skipped]
    if json_out:
        report = {
            "models": model_set.describe(),
            "songs": [
                {"audio": r.audio, "folder": r.folder, "skipped": r.skipped, "summary": r.summary}
                for r in results
            ],
        }
        typer.echo(json.dumps(report, indent=2, allow_nan=False))
    for r in skipped:
        err.write(f"skipped {r.audio}: {r.skipped}\n")
    if skipped:
        raise typer.Exit(1)


class _Progress:
    """A bar over files on a terminal; plain lines (the summary lines) when piped; nothing with
    --json, whose stdout is the report alone."""

    def __init__(self, total: int, *, quiet: bool):
        self.total, self.quiet, self.bar, self.task = total, quiet, None, None
        if quiet or not sys_stdout_is_tty():
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(TextColumn("preview"), BarColumn(), MofNCompleteColumn(),
                            transient=True)  # fmt: skip
        self.bar.start()
        self.task = self.bar.add_task("preview", total=total)

    def song_done(self, index: int, result: Any) -> None:
        if self.quiet:
            return
        if result.skipped:  # said once, on stderr, when every song is done
            if self.bar is not None:
                self.bar.update(self.task, advance=1)
            return
        line = f"[{index + 1}/{self.total}] {_line(result)}"
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False)
            self.bar.update(self.task, advance=1)
        else:
            typer.echo(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def sys_stdout_is_tty() -> bool:
    import sys

    return sys.stdout.isatty()
