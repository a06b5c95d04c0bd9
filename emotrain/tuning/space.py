"""The search space: which training options a study varies, and over what.

The plugin's architectures are fixed by its contract, so a study searches the training recipe. Each
parameter is a training option by its config name (so a trial's parameters drop straight into a
`RunConfig`). A `--space` file overrides a parameter per TOML table:

    [learning_rate]
    low = 1e-4
    high = 1e-2
    log = true
    [batch_size]
    choices = [16, 32]
    [weight_decay]
    enabled = false     # not searched: the training default (or --config value) is used

Optuna is imported only where a trial samples, so parsing and checking a space stays cheap.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from emotrain.errors import ConfigError

#: option name -> (config section, whether values are integers)
PARAMETERS: dict[str, tuple[str, bool]] = {
    "learning_rate": ("training", False),
    "batch_size": ("training", True),
    "seq_len": ("data", True),
    "weight_decay": ("training", False),
    "grad_clip_norm": ("training", False),
    "early_stopping_patience": ("training", True),
    "lr_factor": ("training", False),
    "lr_patience": ("training", True),
}
KEYS = ("low", "high", "log", "step", "choices", "enabled")


@dataclass(frozen=True)
class Param:
    name: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] | None = None
    enabled: bool = True

    @property
    def is_int(self) -> bool:
        return PARAMETERS[self.name][1]

    def problems(self, where: str) -> list[str]:
        out = []
        if self.choices is not None:
            if not self.choices:
                out.append(f"{where}: choices is empty")
            elif self.is_int and not all(
                isinstance(c, int) and not isinstance(c, bool) for c in self.choices
            ):
                out.append(f"{where}: choices must be integers, got {list(self.choices)}")
            elif not all(
                isinstance(c, (int, float)) and not isinstance(c, bool) for c in self.choices
            ):
                out.append(f"{where}: choices must be numbers, got {list(self.choices)}")
            return out
        for key in ("low", "high"):
            v = getattr(self, key)
            if v is None:
                out.append(f"{where}: needs low and high (or choices)")
                return out
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                out.append(f"{where}: {key} must be a finite number, got {v!r}")
            elif self.is_int and not isinstance(v, int):
                out.append(f"{where}: {key} must be an integer, got {v!r}")
        if out:
            return out
        assert self.low is not None and self.high is not None
        if not self.low < self.high:
            out.append(
                f"{where}: the range is empty (low {self.low} must be below high {self.high})"
            )
        if self.log and self.low <= 0:
            out.append(f"{where}: a log range needs low > 0, got {self.low}")
        if self.step is not None and (self.log or not self.step > 0):
            out.append(f"{where}: step must be > 0 and cannot be combined with log")
        return out

    def suggest(self, trial: Any) -> Any:
        if self.choices is not None:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.is_int:
            return trial.suggest_int(
                self.name, int(self.low), int(self.high), step=int(self.step or 1), log=self.log
            )
        return trial.suggest_float(self.name, self.low, self.high, step=self.step, log=self.log)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if v is not None and k != "name"}
        if "choices" in d:
            d["choices"] = list(d["choices"])
        return d


def default_space(model: str) -> dict[str, Param]:
    """Ranges that hold for every network; the recurrent ones also search the sequence length
    (how much context an LSTM trains on), the dense ones do not (frames are independent)."""
    from emotrain.models.catalog import get_spec

    spec = get_spec(model)
    recurrent = any(type(layer).__name__.lower().startswith("lstm") for layer in spec.layers)
    space = {
        "learning_rate": Param("learning_rate", 1e-4, 3e-2, log=True),
        "batch_size": Param("batch_size", choices=(16, 32, 64, 128)),
        "weight_decay": Param("weight_decay", 1e-7, 1e-2, log=True),
        "grad_clip_norm": Param("grad_clip_norm", 0.1, 10.0, log=True),
        "early_stopping_patience": Param("early_stopping_patience", 3, 15),
        "lr_factor": Param("lr_factor", 0.1, 0.9),
        "lr_patience": Param("lr_patience", 1, 6),
    }
    if recurrent:
        space["seq_len"] = Param("seq_len", choices=(8, 16, 32, 64))
    return space


def parse_space(raw: dict[str, Any], model: str, source: str = "--space") -> dict[str, Param]:
    """Overrides (a parsed TOML document) over the model's default space, every problem at once."""
    space = default_space(model)
    problems: list[str] = []
    for name, table in raw.items():
        where = f"{source}: [{name}]"
        if name not in PARAMETERS:
            problems.append(f"{where}: unknown parameter; the space takes {', '.join(PARAMETERS)}")
            continue
        if not isinstance(table, dict):
            problems.append(f"{where}: must be a table (low/high/log/step, or choices)")
            continue
        unknown = [k for k in table if k not in KEYS]
        if unknown:
            problems.append(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(KEYS)}")
            continue
        if "log" in table and not isinstance(table["log"], bool):
            problems.append(f"{where}: log must be true or false")
            continue
        if "enabled" in table and not isinstance(table["enabled"], bool):
            problems.append(f"{where}: enabled must be true or false")
            continue
        if "choices" in table and not isinstance(table["choices"], list):
            problems.append(f"{where}: choices must be a list")
            continue
        base = space.get(name, Param(name))
        if "choices" in table:
            base = replace(base, low=None, high=None, log=False, step=None)
        elif "low" in table or "high" in table:
            base = replace(base, choices=None)
        values = {k: (tuple(v) if k == "choices" else v) for k, v in table.items()}
        param = replace(base, **values)
        if param.enabled:
            problems.extend(param.problems(where))
        space[name] = param
    if problems:
        raise ConfigError(problems)
    return {n: p for n, p in space.items() if p.enabled}


def read_space(path: Path | None, model: str) -> dict[str, Param]:
    if path is None:
        return default_space(model)
    from emotrain.configfile import toml_module

    toml = toml_module()
    try:
        raw = toml.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--space: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--space: cannot read {path} ({exc})") from None
    except toml.TOMLDecodeError as exc:
        raise ConfigError(f"--space: {path} is not valid TOML ({exc})") from None
    return parse_space(raw, model, f"--space {path}")


def space_to_dict(space: dict[str, Param]) -> dict[str, dict[str, Any]]:
    return {name: p.to_dict() for name, p in space.items()}


def apply_params(config: Any, params: dict[str, Any]) -> Any:
    """A trial's configuration: the base run configuration with its sampled parameters."""
    data, training = dict(asdict(config.data)), dict(asdict(config.training))
    for name, value in params.items():
        section, is_int = PARAMETERS[name]
        target = data if section == "data" else training
        target[name] = int(value) if is_int else float(value)
    return replace(
        config, data=type(config.data)(**data), training=type(config.training)(**training)
    )
