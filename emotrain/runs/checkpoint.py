"""A checkpoint's contents, named: the one place that knows its keys, and the one adapter for the
files of the original training scripts.

On disk a checkpoint stays a plain dict of tensors and Python values (so `torch.load(...,
weights_only=True)` reads it and refuses anything that could run code), with the old scripts' keys
first (`epoch`, `model_state_dict`, `optimizer_state_dict`, `metrics`, `model_name`) so their
readers keep working, then ours. In memory it is a `Checkpoint`: `from_dict` reads any of those
files (the old scripts' lack most of ours: they read as absent, and are not written back),
`to_dict` writes the very same keys in the same order. Loading and writing the file itself is
training/checkpoint.py's job; this module imports no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

FORMAT = "emotrain-checkpoint"
FORMAT_VERSION = 1

#: What `written_by` says of a file, in an export's provenance and the registry.
WRITTEN_BY_EMOTRAIN = "emotrain"
WRITTEN_BY_OLD_SCRIPTS = "original training scripts"

#: Spellings the old scripts used for the networks' names (`model_name`).
_OLD_MODEL_NAMES = {
    "emotionrecognizer": "emotionrecognizer",
    "emotion_recognizer": "emotionrecognizer",
    "emotion": "emotionrecognizer",
    "melodytransformer": "melodytransformer",
    "melody_transformer": "melodytransformer",
    "melody": "melodytransformer",
    "harmonypredictor": "harmonypredictor",
    "harmony_predictor": "harmonypredictor",
    "harmony": "harmonypredictor",
    "dynamicsengine": "dynamicsengine",
    "dynamics_engine": "dynamicsengine",
    "dynamics": "dynamicsengine",
    "groovepredictor": "groovepredictor",
    "groove_predictor": "groovepredictor",
    "groove": "groovepredictor",
}

#: The file's key of a field whose name is not the key itself.
_KEYS = {"normalization": "input_normalization"}  # models.normalization.CHECKPOINT_KEY


@dataclass
class Checkpoint:
    """One model's checkpoint. Fields are in the file's key order; None is a recorded None (or,
    for a key listed in `absent`, a key the file did not have)."""

    # the old scripts' keys
    epoch: int | None = None  # completed epochs: a resumed run starts at epoch + 1
    model_state_dict: dict[str, Any] = field(default_factory=dict)
    optimizer_state_dict: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None  # our history (TrainingMetrics.to_dict), or their lists
    model_name: str = ""
    # ours
    format: str | None = FORMAT
    format_version: int | None = FORMAT_VERSION
    emotrain_version: str | None = None
    architecture: list[dict[str, Any]] | None = None
    scheduler_state_dict: dict[str, Any] | None = None
    early_stopping: dict[str, Any] | None = None
    rng: dict[str, Any] | None = None
    config: dict[str, Any] | None = None  # RunConfig.to_dict()
    device_type: str | None = None  # what `--device auto` meant, for resume
    data_fingerprint: str | None = None
    data_description: str | None = None
    split: dict[str, Any] | None = None  # the split manifest
    best_epoch: int | None = None
    best_val_loss: float | None = None
    val_metrics: dict[str, float] | None = None
    finished: bool = False
    status: str | None = None  # RunStatus's word, never the Enum (weights_only refuses it)
    normalization: dict[str, Any] | None = None  # the input statistics, "input_normalization"
    validation_frames: Any = None  # a tensor: the export's test vectors
    stream_state: list[Any] | None = None  # stateful training's carried LSTM state
    stop_reason: str | None = None  # written only when set (a divergence records why)
    #: keys this version does not know, kept as they were
    extra: dict[str, Any] = field(default_factory=dict)
    #: known keys the file did not have (an old scripts' file, an older emotrain): not written back
    absent: frozenset[str] = field(default_factory=frozenset, compare=False, repr=False)

    # -- the file's dict -----------------------------------------------------------------------
    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Checkpoint:
        """Any checkpoint's dict, ours or the old scripts'; values are kept as they are."""
        values: dict[str, Any] = {}
        absent = []
        for f in _FIELDS:
            key = _KEYS.get(f, f)
            if key in d:
                values[f] = d[key]
            else:
                absent.append(f)
        if "format" not in values:  # not ours: their file has no format to default to
            values["format"] = values["format_version"] = None
        known = {_KEYS.get(f, f) for f in _FIELDS}
        extra = {k: v for k, v in d.items() if k not in known}
        return cls(**values, extra=extra, absent=frozenset(absent))

    def to_dict(self) -> dict[str, Any]:
        """The file's dict: the same keys, in the same order, as it was read or as training
        writes it (the old scripts' keys first)."""
        out: dict[str, Any] = {}
        for f in _FIELDS:
            value = getattr(self, f)
            if f in self.absent or (f == "stop_reason" and value is None):
                continue
            out[_KEYS.get(f, f)] = value
        out.update(self.extra)
        return out

    def record(self, **values: Any) -> Checkpoint:
        """Set fields, which are then written even where the file read did not have them."""
        for name, value in values.items():
            if name not in _FIELDS:
                raise AttributeError(f"a checkpoint has no field {name!r}")
            setattr(self, name, value)
        self.absent = self.absent - set(values)
        return self

    def has(self, name: str) -> bool:
        """Whether the file recorded this field (a recorded None counts)."""
        return name not in self.absent

    @property
    def has_weights(self) -> bool:
        """The one key every checkpoint has, ours or the old scripts': anything else is no
        checkpoint of these networks."""
        return self.has("model_state_dict")

    # -- the old scripts' files ----------------------------------------------------------------
    @property
    def is_ours(self) -> bool:
        return self.format == FORMAT

    @property
    def written_by(self) -> str:
        return WRITTEN_BY_EMOTRAIN if self.is_ours else WRITTEN_BY_OLD_SCRIPTS

    @property
    def format_label(self) -> str:
        """`checkpoint_format` in evaluate's JSON and the registry."""
        return "emotrain" if self.is_ours else "old-pipeline"

    @property
    def untrained(self) -> bool:
        """Ours and no epoch finished (random initial weights). The old scripts count epochs
        their own way, so their files are never judged by it."""
        return self.is_ours and isinstance(self.epoch, int) and self.epoch < 1

    def model(self) -> str | None:
        """The network this file holds, by its recorded name in our spelling or the old
        scripts'; None when it names none of the five."""
        key = str(self.model_name).strip().lower().replace("-", "_").replace(" ", "_")
        return _OLD_MODEL_NAMES.get(key) or _OLD_MODEL_NAMES.get(key.replace("_", ""))

    def old_scripts_metrics(self) -> dict[str, float] | None:
        """The old scripts' `metrics` (lists per epoch): the last values, what the file ended
        on; None for ours (its figures are `val_metrics`) or when there are none."""
        if self.is_ours or not isinstance(self.metrics, dict):
            return None
        out = {}
        for key, value in self.metrics.items():
            if isinstance(value, list) and value and isinstance(value[-1], (int, float)):
                out[key] = float(value[-1])
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                out[key] = float(value)
        return out or None

    def best_figures(self) -> dict[str, Any] | None:
        """The best epoch's validation figures with its loss first, as an export records them."""
        if not isinstance(self.val_metrics, dict):
            return None
        loss = self.best_val_loss
        if isinstance(loss, (int, float)):
            return {"val_loss": loss, **self.val_metrics}
        return dict(self.val_metrics)


_FIELDS = tuple(f.name for f in fields(Checkpoint) if f.name not in ("extra", "absent"))
