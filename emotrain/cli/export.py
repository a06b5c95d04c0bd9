"""`emotrain export-rtneural`: checkpoints -> verified RTNeural JSON files the plugin loads.

Torch is imported only when the command runs, so `emotrain --help` stays fast.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from emotrain.cli.options import ModelOpt, ToleranceOpt
from emotrain.errors import ConfigError
from emotrain.tolerance import DEFAULT_TOLERANCE

SourceArg = Annotated[
    Path,
    typer.Argument(
        help="A checkpoint file (.pt, emotrain's or the original scripts'), or a run folder: then "
        "checkpoints/<name>_best.pt of each model (or _latest.pt when there is no best).",
        show_default=False,
        metavar="SOURCE",
    ),
]
ExportDirOpt = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        metavar="DIR",
        help="Folder to write <name>.json into.",
        show_default=False,
    ),
]
VerifyOpt = Annotated[
    bool,
    typer.Option(
        "--verify/--no-verify",
        help="Run the file through the reference RTNeural interpreter and compare with PyTorch "
        "before writing it; fail when the file's error exceeds the rule of --tolerance.",
    ),
]
OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace an existing <name>.json that holds a different network (re-exporting the "
        "same network never needs it).",
    ),
]
CppWeightsOpt = Annotated[
    bool,
    typer.Option(
        "--cpp-weights",
        help="Also put every weight in <name>.h as static constexpr float arrays, with "
        "loadWeights(model) that fills the RTNeural::ModelT without any file.",
    ),
]
TempoOpt = Annotated[
    float,
    typer.Option(
        "--tempo",
        metavar="BPM",
        help="The tempo the cost report assumes for the melody (one call per sixteenth note).",
    ),
]


def _run_checkpoints(folder: Path, models: list[str] | None) -> list[tuple[Path, str]]:
    """(checkpoint, note) for each selected model of a folder, best first, else latest; the same
    search `evaluate` does, so the old scripts' file names are found too."""
    from emotrain.errors import DataError
    from emotrain.models.catalog import resolve_models
    from emotrain.runs.discovery import find_checkpoints, locate

    ckpt_dir, _ = locate(folder)
    try:
        found = find_checkpoints(ckpt_dir, resolve_models(models) if models else None)
    except DataError as exc:  # nothing to export where the user pointed: a usage error here
        raise ConfigError(f"SOURCE: {exc}") from exc
    return [
        (
            f.path,
            ""
            if f.kind == "best"
            else f"no {f.name}_best.pt: exported the latest checkpoint instead",
        )
        for f in found
    ]


def _report(result) -> None:
    shown = f"{result.path}" + (
        "  (unchanged: it already held this export)" if result.unchanged else ""
    )
    typer.echo(f"{result.name}: {shown}")
    typer.echo(
        f"  {result.n_layers} layers, {result.parameters:,} parameters, {result.bytes:,} bytes; "
        f"from {result.source}"
    )
    if result.note:
        typer.echo(f"  note: {result.note}", err="UNTRAINED" in result.note)
    if result.report is not None:
        from emotrain.export.cost import summary_lines

        for line in summary_lines(result.report):
            typer.echo(line)
    if result.companions:
        typer.echo(f"  C++: {result.path.stem}.h, golden bundle {result.path.stem}.golden/")
    if result.max_abs_error is None:
        typer.echo("  not verified (--no-verify)")
    else:
        typer.echo(
            f"  verified: max abs error vs PyTorch {result.max_abs_error:.2e} (float32), "
            f"{result.max_abs_error_float64:.2e} (float64)"
        )


def export_rtneural(
    source: SourceArg,
    output: ExportDirOpt,
    model: ModelOpt = None,
    verify: VerifyOpt = True,
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE,
    overwrite: OverwriteOpt = False,
    allow_untrained: Annotated[
        bool,
        typer.Option(
            "--allow-untrained",
            help="Export a checkpoint that never finished an epoch (random initial weights).",
        ),
    ] = False,
    cpp_weights: CppWeightsOpt = False,
    tempo: TempoOpt = 120.0,
) -> None:
    """Export checkpoints as RTNeural JSON (<output>/<name>.json), verified against PyTorch.

    Beside each file: <name>.h (the RTNeural::ModelT type) and <name>.golden/ (input stream,
    expected outputs, tolerance). A refused or failing export writes nothing; a run folder stops
    at the first failure.
    """
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ConfigError(f"--tolerance: must be a finite number > 0, got {tolerance}")
    if not (math.isfinite(tempo) and 20 <= tempo <= 400):
        raise ConfigError(f"--tempo: must be between 20 and 400 bpm, got {tempo:g}")
    if not source.exists():
        raise ConfigError(f"SOURCE: no such checkpoint file or run folder: {source}")
    from emotrain.io import check_folder_writable

    check_folder_writable(output)

    from emotrain.export.rtneural import export_checkpoint
    from emotrain.models.catalog import model_of_file_name
    from emotrain.training.readiness import check_not_training

    if source.is_dir():
        jobs = _run_checkpoints(source, model)
    else:
        if model:
            _check_model_of_file(source, model)
        jobs = [(source, "")]
    names = [model_of_file_name(c.name) for c, _ in jobs]
    check_not_training(source, [n for n in names if n])
    reports = []
    for checkpoint, note in jobs:
        result = export_checkpoint(
            checkpoint, output, verify=verify, tolerance=tolerance, overwrite=overwrite, note=note,
            allow_untrained=allow_untrained, companions=True, cpp_weights=cpp_weights, bpm=tempo,
        )  # fmt: skip
        _report(result)
        reports.append((result.name, result.report))
    if len(reports) > 1:
        from emotrain.export.cost import cost_table

        typer.echo(cost_table(reports))
    tolerance_note = f", tolerance {tolerance:g}" if verify else ""
    typer.echo(f"Exported {len(jobs)} model(s) to {output}{tolerance_note}.")


def _check_model_of_file(path: Path, models: list[str]) -> None:
    from emotrain.models.catalog import resolve_models
    from emotrain.training.checkpoint import load_checkpoint, spec_for_checkpoint

    wanted = resolve_models(models)
    name = spec_for_checkpoint(load_checkpoint(path), path).name
    if name not in wanted:
        raise ConfigError(f"--model: {path} holds {name}, not {', '.join(wanted)}")
