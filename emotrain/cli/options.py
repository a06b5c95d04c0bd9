"""Option aliases shared by commands, so `--model`, `--seed`, `--device` read the same everywhere."""

from __future__ import annotations

import functools
import math
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.config import DataConfig

ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        metavar="MODEL",
        help="Model(s): all, emotionrecognizer (emotion), melodytransformer (melody), harmonypredictor "
        "(harmony), dynamicsengine (dynamics), groovepredictor (groove). Repeat or comma-separate.",
        show_default="all",
    ),
]
OutputOpt = Annotated[
    Path, typer.Option("--output", "-o", metavar="DIR", help="Run folder to write into.")
]
SeedOpt = Annotated[
    int, typer.Option("--seed", metavar="N", help="Seed for data, split, initialisation and order.")
]
DeviceOpt = Annotated[
    str,
    typer.Option(
        "--device",
        metavar="DEVICE",
        help="auto, cpu, cuda or mps; asking for an absent one is an error.",
    ),
]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        metavar="DIR",
        help="Corpus folder (DEAM, PMEmo, EMOPIA or labelled folder). Default: built-in synthetic data.",
    ),
]
DataFormatOpt = Annotated[
    str,
    typer.Option(
        "--data-format",
        metavar="FORMAT",
        help="auto, synthetic, deam, pmemo, folder or emopia (auto detects from the layout).",
    ),
]
CacheDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        metavar="DIR",
        help="Where audio features are cached. Default: <output>/cache/features.",
    ),
]
RebuildCacheOpt = Annotated[
    bool, typer.Option("--rebuild-cache", help="Recompute cached features.")
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Treat any unreadable file or missing label as an error.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the final summary.")]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the report as JSON on stdout, and nothing else.")
]
ToleranceOpt = Annotated[
    float,
    typer.Option(
        "--tolerance",
        metavar="FLOAT",
        help="Export check: the float32 error accepted, relative to the output scale (the file "
        "may also differ by up to 100x PyTorch's own float32 rounding); see docs/export.md.",
    ),
]


def refuse_non_finite(command: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command so every float option refuses nan and ±inf as a usage error.

    Typer parses `nan` and `inf` as floats; left alone they reach arithmetic (`round(n * nan)`)
    and end as an internal error. One check here covers every float option of every command,
    including ones added later; the flag is the parameter's name, as every float option is named.
    """
    hints = typing.get_type_hints(command)
    floats = [
        name
        for name, hint in hints.items()
        if name != "return" and (hint is float or float in typing.get_args(hint))
    ]

    @functools.wraps(command)
    def checked(**kwargs: Any) -> Any:
        bad = [
            f"--{name.replace('_', '-')}: must be a finite number, got {value}"
            for name in floats
            if isinstance(value := kwargs.get(name), float) and not math.isfinite(value)
        ]
        if bad:
            from emotrain.errors import ConfigError

            raise ConfigError(bad)
        return command(**kwargs)

    return checked


#: `train`'s and `tune`'s --samples: None means "not given", so a --config file can set it.
SamplesOpt = Annotated[
    int | None,
    typer.Option(
        "--samples",
        metavar="N",
        help="Synthetic data: number of sequences.",
        show_default=str(DataConfig().samples),
    ),
]

#: `train`'s, `resume`'s and `tune`'s experiment trackers (docs/train.md, "Experiment trackers").
LoggerOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--logger",
        metavar="NAME",
        help="Experiment tracker(s) beside the history files: tensorboard, mlflow or none; "
        "repeat or comma-separate. Default: none (resume: the run's recorded ones).",
        show_default=False,
    ),
]
MlflowUriOpt = Annotated[
    str | None,
    typer.Option(
        "--mlflow-uri",
        metavar="URI",
        help="MLflow tracking URI (sqlite:///mlflow.db, http://host:5000, ...). Default: "
        "MLFLOW_TRACKING_URI, then (resume) the recorded one, then MLflow's default.",
    ),
]


def logger_options(logger: list[str] | None, mlflow_uri: str | None) -> Any:
    """The two options as the library takes them; unknown names are refused here, before work."""
    from emotrain.training.loggers.base import LoggerOptions, parse_loggers

    names = parse_loggers(logger)
    uri = mlflow_uri.strip() if mlflow_uri and mlflow_uri.strip() else None
    return LoggerOptions(names=names, mlflow_uri=uri)
