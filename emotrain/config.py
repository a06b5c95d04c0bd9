"""A run's configuration as frozen dataclasses: what the CLI parses, what a checkpoint records.

`validate()` reports every problem at once (one line each, naming the option and what is allowed), so
a user fixes a command line in one go instead of one error per attempt. Nothing touches the disk here.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from emotrain.errors import ConfigError

DATA_FORMATS = ("auto", "synthetic", "deam", "pmemo", "folder", "emopia", "chords")
DEVICES = ("auto", "cpu", "cuda", "mps")
CONFIG_VERSION = 1


@dataclass(frozen=True)
class DataConfig:
    format: str = "synthetic"
    path: str | None = None
    samples: int = 512
    #: 16 measured best for the streamed emotion recognizer (bench/bench_seq_len.py, docs/train.md).
    seq_len: int = 16
    validation_split: float = 0.2
    #: Held-out song ids and ranges (`2001-2058,7`); when set, they are the validation split and
    #: `validation_split` is not used.
    validation_songs: str | None = None
    cache_dir: str | None = None
    rebuild_cache: bool = False
    strict: bool = False
    #: The emotion recognizer (run folder, exported JSON or NAME@N) whose embedding a chord
    #: corpus's harmony trains on; None: the corpus's labels.csv gives it.
    emotion_model: str | None = None

    def problems(self) -> list[str]:
        out = _type_problems(self)
        if out:
            return out
        if self.format not in DATA_FORMATS:
            out.append(f"--data-format: {self.format!r} is not one of {', '.join(DATA_FORMATS)}")
        if self.format not in ("synthetic", "auto") and not self.path:
            out.append(f"--data: --data-format {self.format} needs a corpus folder (--data PATH)")
        if self.format == "synthetic" and self.path:
            out.append(
                "--data-format: synthetic is the built-in data and takes no --data; use auto or "
                "the corpus format (deam, pmemo, emopia, folder, chords)"
            )
        if self.samples < 2:
            out.append(f"--samples: must be an integer >= 2, got {self.samples}")
        if not 1 <= self.seq_len <= 4096:
            out.append(f"--seq-len: must be an integer from 1 to 4096, got {self.seq_len}")
        vs = self.validation_split
        if not (isinstance(vs, (int, float)) and math.isfinite(vs) and 0.0 < vs < 1.0):
            out.append(f"--validation-split: must be a number strictly between 0 and 1, got {vs}")
        if self.validation_songs is not None:
            out += _song_problems(self)
        return out

    @property
    def kind(self) -> str:
        """'synthetic' or the corpus format; 'auto' without a path means the built-in data."""
        if self.path is None and self.format in ("auto", "synthetic"):
            return "synthetic"
        return self.format


@dataclass(frozen=True)
class TrainingConfig:
    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = 5e-3
    early_stopping_patience: int = 10
    min_delta: float = 0.0
    seed: int = 42
    device: str = "auto"
    weight_decay: float = 0.0
    grad_clip_norm: float = 1.0
    lr_factor: float = 0.5
    lr_patience: int | None = None  # None: a third of the early-stopping patience (at least 1)
    # recurrent networks: auto | windows | stateful (training/stream_schedule.py; auto: per network)
    stream_training: str = "auto"
    melody_inputs: str = "labels"  # labels | recognizer-like (training/chain_inputs.py)

    def problems(self) -> list[str]:
        out = _type_problems(self)
        if out:
            return out
        if self.epochs < 1:
            out.append(f"--epochs: must be an integer >= 1, got {self.epochs}")
        if self.batch_size < 1:
            out.append(f"--batch-size: must be an integer >= 1, got {self.batch_size}")
        lr = self.learning_rate
        if not (math.isfinite(lr) and 0.0 < lr <= 10.0):
            out.append(f"--learning-rate: must be a number in (0, 10], got {lr}")
        if self.early_stopping_patience < 1:
            out.append(
                f"--early-stopping-patience: must be an integer >= 1, got {self.early_stopping_patience}"
            )
        if not (math.isfinite(self.min_delta) and self.min_delta >= 0.0):
            out.append(f"--min-delta: must be a number >= 0, got {self.min_delta}")
        if not 0 <= self.seed < 2**32:
            out.append(f"--seed: must be an integer from 0 to {2**32 - 1}, got {self.seed}")
        if self.device not in DEVICES:
            out.append(f"--device: {self.device!r} is not one of {', '.join(DEVICES)}")
        if not (math.isfinite(self.weight_decay) and 0.0 <= self.weight_decay <= 1.0):
            out.append(f"--weight-decay: must be a number from 0 to 1, got {self.weight_decay}")
        if not (math.isfinite(self.grad_clip_norm) and self.grad_clip_norm > 0.0):
            out.append(f"--grad-clip-norm: must be a number > 0, got {self.grad_clip_norm}")
        if not (math.isfinite(self.lr_factor) and 0.0 < self.lr_factor < 1.0):
            out.append(
                f"--lr-factor: must be a number strictly between 0 and 1, got {self.lr_factor}"
            )
        if self.lr_patience is not None and self.lr_patience < 1:
            out.append(f"--lr-patience: must be an integer >= 1, got {self.lr_patience}")
        if self.stream_training not in ("auto", "windows", "stateful"):
            out.append(
                f"--stream-training: {self.stream_training!r} is not one of auto, windows, stateful"
            )
        if self.melody_inputs not in ("labels", "recognizer-like"):
            out.append(
                f"--melody-inputs: {self.melody_inputs!r} is not one of labels, recognizer-like"
            )
        return out

    @property
    def scheduler_patience(self) -> int:
        """By default the rate drops after a third of the early-stopping patience, so the model
        gets a finer step before early stopping gives up on it."""
        if self.lr_patience is not None:
            return self.lr_patience
        return max(1, self.early_stopping_patience // 3)


@dataclass(frozen=True)
class RunConfig:
    models: tuple[str, ...]
    data: DataConfig = field(default_factory=DataConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    output: str = "trained_models"

    def problems(self) -> list[str]:
        out = self.data.problems() + self.training.problems()
        if not self.models:
            out.append("--model: no model selected")
        # Only a valid fraction can leave an empty side (a bad one is reported once, above).
        split_ok = not any(p.startswith("--validation-split") for p in out)
        if (
            split_ok
            and self.data.validation_songs is None
            and self.data.samples
            and self.data.kind == "synthetic"
        ):
            n_val = round(self.data.samples * self.data.validation_split)
            if n_val < 1 or self.data.samples - n_val < 1:
                out.append(
                    f"--validation-split: {self.data.validation_split} of {self.data.samples} samples "
                    "leaves an empty training or validation set"
                )
        return out

    def validate(self) -> RunConfig:
        problems = self.problems()
        if problems:
            raise ConfigError(problems)
        return self

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["models"] = list(self.models)
        d["config_version"] = CONFIG_VERSION
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """Read a recorded config; unknown keys are ignored and missing ones take today's defaults."""

        def pick(dc: type, values: dict[str, Any] | None) -> Any:
            names = {f.name for f in fields(dc)}
            return dc(**{k: v for k, v in (values or {}).items() if k in names})

        training = dict(d.get("training") or {})
        # Recorded before --stream-training existed: windows was the only way then.
        training.setdefault("stream_training", "windows")
        return cls(
            models=tuple(d.get("models", ())),
            data=pick(DataConfig, d.get("data")),
            training=pick(TrainingConfig, training),
            output=d.get("output", "trained_models"),
        )

    def with_models(self, models: tuple[str, ...]) -> RunConfig:
        return replace(self, models=models)


_FLAGS = {
    "format": "--data-format", "path": "--data", "samples": "--samples", "seq_len": "--seq-len",
    "validation_split": "--validation-split", "validation_songs": "--validation-songs",
    "cache_dir": "--cache-dir",
    "rebuild_cache": "--rebuild-cache", "strict": "--strict", "epochs": "--epochs",
    "batch_size": "--batch-size", "learning_rate": "--learning-rate",
    "early_stopping_patience": "--early-stopping-patience", "min_delta": "--min-delta",
    "seed": "--seed", "device": "--device", "weight_decay": "--weight-decay",
    "grad_clip_norm": "--grad-clip-norm", "lr_factor": "--lr-factor", "lr_patience": "--lr-patience",
    "stream_training": "--stream-training", "melody_inputs": "--melody-inputs",
}  # fmt: skip


def _song_problems(data: DataConfig) -> list[str]:
    """A malformed id list, or (synthetic data, whose ids are known without loading) an index out
    of range; a corpus's ids are checked against its files when they are read."""
    from emotrain.data.split import parse_song_ids, validation_groups

    try:
        if data.kind != "synthetic":
            parse_song_ids(data.validation_songs or "")
        elif data.samples >= 2:
            groups = [f"synthetic-{i:06d}" for i in range(data.samples)]
            validation_groups(
                groups,
                data.validation_songs or "",
                synthetic=True,
                source=f"the synthetic data (--samples {data.samples})",
            )
    except ConfigError as exc:
        return [str(exc)]
    return []


def _type_problems(obj: Any) -> list[str]:
    """Values from Python callers or hand-edited files can be of any type: say which is wrong."""
    out = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        kind = {"int": int, "float": (int, float), "str": str, "bool": bool}.get(
            str(f.type).replace(" | None", "")
        )
        if kind is None or (value is None and "None" in str(f.type)):
            continue
        bad_bool = isinstance(value, bool) and kind is not bool
        if bad_bool or not isinstance(value, kind):
            want = {int: "an integer", str: "text", bool: "true or false"}.get(kind, "a number")
            out.append(f"{_FLAGS.get(f.name, f.name)}: must be {want}, got {value!r}")
    return out


def model_seed(seed: int, model_name: str) -> int:
    """One seed per model, derived stably, so a model trains the same alone or with `--model all`."""
    import zlib

    return (seed * 1_000_003 + zlib.crc32(model_name.encode())) % (2**31 - 1)


def choose_models(given: Any, file_models: Any, data: DataConfig) -> tuple[str, ...]:
    """The models a run trains, one rule for the command line and the Python API alike.

    The models given (`--model`, `models=`; None: not given) win over the config file's `models`,
    which win over the default `all`. `all`, however it came, means every model the data can
    teach: with a real corpus, the models that corpus can train (EMOPIA: the melody, dynamics and
    groove), so `emotrain train --data X` and `emotrain.train(data=X)` train the same models.
    Models named one by one are kept as named, and preflight refuses those the corpus cannot train.
    """
    from emotrain.models.catalog import asks_for_all, resolve_models

    names = given if given is not None else file_models
    models = resolve_models(names)
    if (
        asks_for_all(names)
        and data.path is not None
        and data.format in DATA_FORMATS
        and data.kind != "synthetic"
    ):
        from emotrain.data.corpus import supported_models

        # None it can teach: keep `all`, so preflight says what the corpus can train.
        models = supported_models(data) or models
    return models


def merge_run_config(
    command_line: dict[str, Any], file: dict[str, Any] | None = None, *, models: Any = None
) -> RunConfig:
    """The one place precedence is decided: the command line over the config file over the defaults.

    `command_line` maps field names of DataConfig/TrainingConfig (plus `output`) to the values the
    user typed, None for an option not given; `file` is `configfile.read_config_file`'s answer;
    `models` the names given (None: the file's, else all), chosen by `choose_models`.
    """
    file = file or {}
    given = command_line.get("validation_split"), command_line.get("validation_songs")
    if given[0] is not None and given[1] is not None:
        raise ConfigError(
            "--validation-split and --validation-songs: give one; the fixed songs are the "
            "validation split, so a fraction beside them would be ignored"
        )
    sections: dict[str, dict[str, Any]] = {}
    for section, dc in (("data", DataConfig), ("training", TrainingConfig)):
        values = dict(file.get(section, {}))
        if section == "data" and given[0] is not None:
            # The held-out part is one setting given two ways: a fraction on the command line
            # wins over the file's fixed songs, as every option wins over the file.
            values.pop("validation_songs", None)
        for f in fields(dc):
            if command_line.get(f.name) is not None:
                values[f.name] = command_line[f.name]
        sections[section] = values
    output = command_line.get("output")
    data = DataConfig(**sections["data"])
    return apply_env_caps(
        RunConfig(
            models=choose_models(models, file.get("models"), data),
            data=data,
            training=TrainingConfig(**sections["training"]),
            output=str(output)
            if output is not None
            else RunConfig.__dataclass_fields__["output"].default,
        )
    )


#: Environment variables that cap a run's size, for smoke tests and the docs walkthrough
#: (tests/docs): the docs' commands run as written, only smaller. Unset, they change nothing.
ENV_CAPS = {
    "EMOTRAIN_MAX_EPOCHS": ("training", "epochs"),
    "EMOTRAIN_MAX_SAMPLES": ("data", "samples"),
}


def env_cap(var: str) -> int | None:
    """The cap an ENV_CAPS variable sets, None when unset; a bad value is a usage error."""
    import os

    text = os.environ.get(var, "").strip()
    if not text:
        return None
    try:
        cap = int(text)
    except ValueError:
        cap = 0
    if cap < 1:
        raise ConfigError(f"{var}: must be an integer >= 1 (or unset), got {text!r}")
    return cap


def cap_epochs(epochs: int | None) -> int | None:
    """`resume --epochs N` under EMOTRAIN_MAX_EPOCHS, as a new run's epochs are capped."""
    cap = env_cap("EMOTRAIN_MAX_EPOCHS")
    if cap is None or not isinstance(epochs, int) or isinstance(epochs, bool):
        return epochs
    return min(epochs, cap)


def apply_env_caps(config: RunConfig) -> RunConfig:
    """Lower epochs and synthetic samples to the caps the environment sets; the run records the
    capped values, so `resume` and the run's own files agree with what actually ran."""
    for var, (section, name) in ENV_CAPS.items():
        cap = env_cap(var)
        if cap is None:
            continue
        part = getattr(config, section)
        value = getattr(part, name)
        if isinstance(value, int) and not isinstance(value, bool) and value > cap:
            config = replace(config, **{section: replace(part, **{name: cap})})
    return config
