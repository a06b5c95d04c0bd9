"""Option aliases shared by commands, so `--model`, `--seed`, `--device` read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
