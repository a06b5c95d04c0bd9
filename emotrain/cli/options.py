"""Options shared by commands, declared once, so `--epochs` or `--seed` read the same everywhere.

The settings of a run (train, resume and tune share them) are declared in `RUN_OPTIONS`: flags,
placeholder, help, and the value a run uses when the option is not given, read from the
dataclasses of `emotrain.config` so the help can never drift from what a run does. A command
takes `run_option(name)` (or its ready-made alias below) with `default(name)` as the parameter's
default, so `--help` shows `[default: 40]`; `given(ctx, ...)` then tells the values typed on the
command line from the defaults, so a `--config` file can still set what was not typed.
"""

from __future__ import annotations

import functools
import math
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.cli.help import DATA, OUTPUT, TRACKERS, TRAINING
from emotrain.config import DATA_FORMATS, DEVICES, DataConfig, RunConfig, TrainingConfig

_T = TrainingConfig()
_D = DataConfig()


def _words(values: tuple[str, ...]) -> str:
    """('a', 'b', 'c') -> 'a, b or c', so option help lists exactly what config.py accepts."""
    return ", ".join(values[:-1]) + f" or {values[-1]}"


DEVICE_CHOICES = _words(DEVICES)
FORMAT_CHOICES = _words(DATA_FORMATS)


@dataclass(frozen=True)
class RunOption:
    """One run setting on the command line; `default` is what a run uses when it is not given."""

    flags: tuple[str, ...]
    metavar: str | None
    help: str
    default: Any = None


RUN_OPTIONS: dict[str, RunOption] = {
    "epochs": RunOption(("--epochs", "-e"), "N", "Maximum epochs per model.", _T.epochs),
    "batch_size": RunOption(("--batch-size", "-b"), "N", "Sequences per batch.", _T.batch_size),
    "learning_rate": RunOption(
        ("--learning-rate", "--lr"), "FLOAT", "Adam learning rate.", _T.learning_rate
    ),
    "validation_split": RunOption(
        ("--validation-split",),
        "FLOAT",
        "Fraction of songs/sequences held out, in (0, 1).",
        _D.validation_split,
    ),
    "early_stopping_patience": RunOption(
        ("--early-stopping-patience",),
        "N",
        "Epochs without improvement before stopping.",
        _T.early_stopping_patience,
    ),
    "min_delta": RunOption(
        ("--min-delta",),
        "FLOAT",
        "Smallest val-loss decrease that counts as improvement.",
        _T.min_delta,
    ),
    "weight_decay": RunOption(
        ("--weight-decay",), "FLOAT", "Adam's L2 weight decay.", _T.weight_decay
    ),
    "grad_clip_norm": RunOption(
        ("--grad-clip-norm",),
        "FLOAT",
        "Largest gradient norm per step (larger ones are scaled down).",
        _T.grad_clip_norm,
    ),
    "lr_factor": RunOption(
        ("--lr-factor",),
        "FLOAT",
        "Factor the learning rate is multiplied by when validation stalls.",
        _T.lr_factor,
    ),
    "lr_patience": RunOption(
        ("--lr-patience",),
        "N",
        "Stalled epochs before the rate is cut. Default: a third of --early-stopping-patience.",
        _T.lr_patience,  # None: the scheduler's patience follows the early-stopping patience
    ),
    "stream_training": RunOption(
        ("--stream-training",),
        "MODE",
        "Recurrent networks: 'windows' (each window from a zero state), 'stateful' "
        "(songs back to back, state carried between windows, random resets) or 'auto' "
        "(stateful for the melody, windows for the recognizer).",
        _T.stream_training,
    ),
    "melody_inputs": RunOption(
        ("--melody-inputs",),
        "MODE",
        "Melody: 'labels' (exact label embeddings) or 'recognizer-like' (scaled, jittered, "
        "drifting, gliding between songs, as a recognizer's output).",
        _T.melody_inputs,
    ),
    "seq_len": RunOption(
        ("--seq-len",),
        "N",
        "Frames per training sequence (LSTMs run from a zero state).",
        _D.seq_len,
    ),
    "samples": RunOption(("--samples",), "N", "Synthetic data: number of sequences.", _D.samples),
    "seed": RunOption(("--seed",), "N", "Seed for data, split, initialisation and order.", _T.seed),
    "device": RunOption(
        ("--device",),
        "DEVICE",
        f"{DEVICE_CHOICES}; asking for an absent one is an error.",
        _T.device,
    ),
    "output": RunOption(
        ("--output", "-o"),
        "DIR",
        "Run folder to write into.",
        Path(next(f.default for f in fields(RunConfig) if f.name == "output")),
    ),
    "data": RunOption(
        ("--data",),
        "DIR",
        "Corpus folder (DEAM, PMEmo, EMOPIA or labelled folder). Default: built-in synthetic data.",
    ),
    "data_format": RunOption(
        ("--data-format",),
        "FORMAT",
        f"{FORMAT_CHOICES} (auto detects from the layout).",
        "auto",  # the command line detects; DataConfig's own default is the synthetic data
    ),
    "cache_dir": RunOption(
        ("--cache-dir",),
        "DIR",
        "Where audio features are cached. Default: <output>/cache/features.",
    ),
    "rebuild_cache": RunOption(
        ("--rebuild-cache/--no-rebuild-cache",),
        None,
        "Recompute cached features.",
        _D.rebuild_cache,
    ),
    "strict": RunOption(
        ("--strict/--no-strict",),
        None,
        "Treat any unreadable file or missing label as an error.",
        _D.strict,
    ),
    "emotion_model": RunOption(
        ("--emotion-model",),
        "SOURCE",
        "Chord corpus: the emotion recognizer (run folder, exported JSON or NAME@N) run over "
        "the audio to give harmony its emotion input. Default: the corpus's labels.csv.",
    ),
    "config": RunOption(
        ("--config", "-c"),
        "FILE",
        "TOML file of options (see docs/train.md); options given here win over it.",
    ),
}


#: The help panel of each run setting, so a long command's --help reads in groups.
PANELS: dict[str, str] = {
    **dict.fromkeys(("epochs", "batch_size", "learning_rate", "early_stopping_patience",
                     "min_delta", "weight_decay", "grad_clip_norm", "lr_factor", "lr_patience",
                     "seed", "device"), TRAINING),
    **dict.fromkeys(("validation_split", "seq_len", "samples", "data", "data_format",
                     "cache_dir", "rebuild_cache", "strict"), DATA),
    "output": OUTPUT,
}  # fmt: skip


def run_option(
    name: str, *, help: str | None = None, show_default: bool = True, panel: str | None = ""
) -> Any:
    """The one `typer.Option` of a run setting; `help` narrows it for one command, `panel`
    (None: the command's own options) moves it to another help panel than PANELS says."""
    spec = RUN_OPTIONS[name]
    return typer.Option(*spec.flags, metavar=spec.metavar, help=help or spec.help,
                        show_default=show_default,
                        rich_help_panel=PANELS.get(name) if panel == "" else panel)  # fmt: skip


def default(name: str) -> Any:
    """What a run uses when the setting is not given: the parameter's default, shown in --help."""
    return RUN_OPTIONS[name].default


def recorded(name: str) -> Any:
    """`resume`'s form of a run setting: it may be passed, but only with the recorded value."""
    return run_option(name, help="Must equal the recorded value.")


def given(ctx: typer.Context, **values: Any) -> dict[str, Any]:
    """`values` with None for each option not typed on the command line (a --config file, then
    the dataclass defaults, decide those): the one place train and tune tell typed from default."""
    out = {}
    for name, value in values.items():
        source = ctx.get_parameter_source(name)
        typed = source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")
        out[name] = value if typed else None
    return out


# Ready-made forms for the settings most commands take with their usual help.
EpochsOpt = Annotated[int, run_option("epochs")]
BatchSizeOpt = Annotated[int, run_option("batch_size")]
LearningRateOpt = Annotated[float, run_option("learning_rate")]
ValidationSplitOpt = Annotated[float, run_option("validation_split")]
SeqLenOpt = Annotated[int, run_option("seq_len")]
SamplesOpt = Annotated[int, run_option("samples")]
SeedOpt = Annotated[int, run_option("seed")]
DeviceOpt = Annotated[str, run_option("device")]
#: --device of a command that runs trained models (evaluate, compare): not a training setting.
JudgeDeviceOpt = Annotated[str, run_option("device", panel=None)]
DataFormatOpt = Annotated[str, run_option("data_format")]
OutputOpt = Annotated[Path, run_option("output")]
DataOpt = Annotated[Path | None, run_option("data")]
CacheDirOpt = Annotated[Path | None, run_option("cache_dir")]


def judge_data(default_text: str) -> Any:
    """--data of a command that judges trained models: by default it judges on the validation
    split the run recorded, not on the built-in synthetic data as train's --data says."""
    return run_option(
        "data",
        help="Corpus folder (DEAM, PMEmo, EMOPIA or labelled folder) to judge on, all of it. "
        f"Default: {default_text}.",
    )


#: --cache-dir of a command that judges trained models (evaluate, compare).
JudgeCacheDirOpt = Annotated[
    Path | None,
    run_option(
        "cache_dir",
        help="Where audio features are cached. Default: the run's own cache for its data; with "
        "--data, <output>/cache/features.",
    ),
]
JudgeDataOpt = Annotated[
    Path | None, judge_data("the validation split of the run each model was trained in")
]
ConfigFileOpt = Annotated[Path | None, run_option("config")]
RebuildCacheOpt = Annotated[bool, run_option("rebuild_cache")]
StrictOpt = Annotated[bool, run_option("strict")]
# The names of the first version of this module, kept for code written against it.
RunSeedOpt, RunDeviceOpt, RunDataFormatOpt = SeedOpt, DeviceOpt, DataFormatOpt

_MODELS = (
    "emotionrecognizer (emotion), melodytransformer (melody), harmonypredictor (harmony), "
    "dynamicsengine (dynamics), groovepredictor (groove)"
)


def model_option(default_text: str = "every model there is") -> Any:
    """--model of a command that takes several networks; `default_text` says what none means."""
    return typer.Option(
        "--model",
        "-m",
        metavar="MODEL",
        help=f"Model(s): all, {_MODELS}. Repeat or comma-separate. Default: {default_text}.",
    )


ModelOpt = Annotated[list[str] | None, model_option()]
#: --model of a command that works on one network (tune); a list only so that several given
#: are refused with a message rather than silently reduced to the last.
OneModelOpt = Annotated[
    list[str],
    typer.Option(
        "--model", "-m", metavar="MODEL", help=f"The one network: {_MODELS}.", show_default=False
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print only the final summary.", rich_help_panel=OUTPUT),
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print the report as JSON on stdout, and nothing else.",
        rich_help_panel=OUTPUT,
    ),
]
#: The export check's tolerance, one meaning everywhere (train, resume, export-rtneural, registry add).
ToleranceOpt = Annotated[
    float,
    typer.Option(
        "--tolerance",
        metavar="FLOAT",
        help="Export check: the float32 error accepted, relative to the output scale (the file "
        "may also differ by up to 100x PyTorch's own float32 rounding); the same rule in "
        "train, resume, export-rtneural and registry add; see docs/export.md.",
        rich_help_panel=OUTPUT,
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


def validation_songs_option(instead: str = "replaces --validation-split") -> Any:
    """`--validation-songs`: the held-out songs, fixed (docs/train.md); `instead` says what it
    replaces on this command."""
    return typer.Option(
        "--validation-songs",
        metavar="SONGS",
        help=f"Hold out exactly these songs: ids and ranges (2001-2058,7) or a file of ids; "
        f"{instead}.",
        show_default=False,
        rich_help_panel=DATA,
    )


#: `train`'s --validation-songs.
ValidationSongsOpt = Annotated[str | None, validation_songs_option()]


def logger_option(default_text: str = "none") -> Any:
    """`--logger` (docs/train.md, "Experiment trackers"); `default_text`: what none given means."""
    return typer.Option(
        "--logger",
        metavar="NAME",
        help="Experiment tracker(s) beside the history files: tensorboard, mlflow or none; "
        f"repeat or comma-separate. Default: {default_text}.",
        show_default=False,
        rich_help_panel=TRACKERS,
    )


def mlflow_uri_option(default_text: str = "MLFLOW_TRACKING_URI, then MLflow's default") -> Any:
    return typer.Option(
        "--mlflow-uri",
        metavar="URI",
        help=f"MLflow tracking URI (sqlite:///mlflow.db, http://host:5000, ...). Default: "
        f"{default_text}.",
        rich_help_panel=TRACKERS,
    )


#: `train`'s and `tune`'s experiment trackers; `resume` takes the run's recorded ones.
LoggerOpt = Annotated[list[str] | None, logger_option()]
MlflowUriOpt = Annotated[str | None, mlflow_uri_option()]
ResumeLoggerOpt = Annotated[list[str] | None, logger_option("the run's recorded ones")]
ResumeMlflowUriOpt = Annotated[
    str | None,
    mlflow_uri_option("MLFLOW_TRACKING_URI, then the recorded one, then MLflow's default"),
]


def logger_options(logger: list[str] | None, mlflow_uri: str | None) -> Any:
    """The two options as the library takes them; unknown names are refused here, before work."""
    from emotrain.training.loggers.base import LoggerOptions, parse_loggers

    names = parse_loggers(logger)
    uri = mlflow_uri.strip() if mlflow_uri and mlflow_uri.strip() else None
    return LoggerOptions(names=names, mlflow_uri=uri)
