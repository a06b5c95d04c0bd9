"""The five networks of the plugin contract (shared/design/plugin-contract.md), by name and alias."""

from __future__ import annotations

import re

from emotrain.errors import ConfigError
from emotrain.models.layers import LSTM, Dense
from emotrain.models.spec import ModelSpec

AUDIO_FEATURES = "128 log-mel bands of one analysis frame (librosa defaults: 22,050 Hz, n_fft 2048, hop 512, Slaney mel, power_to_db ref 1.0, top_db 80 below the frame's own maximum; feature version 2)"
EMOTION_EMBEDDING = (
    "64-d emotion embedding: dims 0-31 carry valence, 32-63 arousal, each in [-1, 1]"
)

SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="emotionrecognizer",
        alias="emotion",
        role="audio features -> emotion embedding",
        layers=(
            Dense(128, 512, "tanh"),
            Dense(512, 256, "tanh"),
            LSTM(256, 128),
            Dense(128, 64, "tanh"),
        ),
        loss="mse",
        metric="cosine_similarity",
        figures="emotion",
        val_metrics=("cosine_similarity", "mae"),
        higher_is_better=True,
        parameters=403_264,
        input_meaning=AUDIO_FEATURES,
        output_meaning=EMOTION_EMBEDDING,
        # the field's figure for DEAM/PMEmo: the mean of valence and arousal CCC
        judged_by="mean_ccc",
        judged_whole="songs",
        # measured: stateful loses a little arousal CCC and gains nothing in a live set
        auto_stream_training="windows",
        baseline_meaning="mean emotion embedding",
    ),
    ModelSpec(
        name="melodytransformer",
        alias="melody",
        role="emotion embedding -> note probabilities",
        layers=(
            Dense(64, 256, "relu"),
            LSTM(256, 256),
            Dense(256, 256, "relu"),
            Dense(256, 128, "sigmoid"),
        ),
        loss="bce",
        metric="note_f1",
        figures="notes",
        val_metrics=("note_precision", "note_recall", "note_f1"),
        higher_is_better=True,
        parameters=641_664,
        input_meaning=EMOTION_EMBEDDING,
        output_meaning="probability of each MIDI note 0-127 being active at the current step",
        # a proper scoring rule: the next note is not a function of the emotion, only its
        # distribution is (see evaluation/verdicts.py)
        judged_by="bce",
        judged_whole="clips",
        # measured: the worst live-set clip keeps 0.93 of its from-reset confidence, not 0.62
        auto_stream_training="stateful",
        recognizer_like_inputs=True,
        baseline="note_rates",
        baseline_meaning="note distribution (each note's activity rate, add-half smoothed)",
    ),
    ModelSpec(
        name="harmonypredictor",
        alias="harmony",
        role="context -> chord distribution",
        layers=(Dense(128, 256, "tanh"), Dense(256, 128, "tanh"), Dense(128, 64, "softmax")),
        loss="kl",
        metric="top1_accuracy",
        figures="chords",
        val_metrics=("top1_accuracy",),
        higher_is_better=True,
        parameters=74_176,
        input_meaning="the 64-d emotion embedding followed by the first 64 audio features",
        output_meaning="probability distribution over 64 chords",
        judged_whole="chord_songs",
        baseline_meaning="mean chord distribution",
    ),
    ModelSpec(
        name="dynamicsengine",
        alias="dynamics",
        role="context -> expression",
        layers=(Dense(32, 128, "relu"), Dense(128, 64, "relu"), Dense(64, 16, "sigmoid")),
        loss="mse",
        metric="mae",
        higher_is_better=False,
        parameters=13_520,
        input_meaning="emotion embedding dimensions 16-47 (16 of valence, then 16 of arousal)",
        output_meaning="16 named expression quantities in [0, 1] (docs/plugin-contract.md)",
        judged_whole="performances",
        baseline_meaning="mean expression vector",
    ),
    ModelSpec(
        name="groovepredictor",
        alias="groove",
        role="emotion -> groove parameters",
        layers=(Dense(64, 128, "tanh"), Dense(128, 64, "tanh"), Dense(64, 32, "tanh")),
        loss="mse",
        metric="mae",
        higher_is_better=False,
        parameters=18_656,
        input_meaning=EMOTION_EMBEDDING,
        output_meaning="onset strength and micro-timing of the 16 sixteenths of the bar, in [-1, 1]",
        judged_whole="performances",
        baseline_meaning="mean groove vector",
    ),
)

MODEL_NAMES = tuple(s.name for s in SPECS)
_BY_KEY = {**{s.name: s for s in SPECS}, **{s.alias: s for s in SPECS}}


def allowed_model_names() -> str:
    return "all, " + ", ".join(f"{s.name} ({s.alias})" for s in SPECS)


def get_spec(name: str) -> ModelSpec:
    key = name.strip().lower()
    if key not in _BY_KEY:
        raise ConfigError(f"--model: unknown model {name!r}; allowed: {allowed_model_names()}")
    return _BY_KEY[key]


def asks_for_all(names: list[str] | tuple[str, ...] | str | None) -> bool:
    """Whether user input asks for `all` (None is the default `all`), which a corpus narrows to
    the models it can teach (config.choose_models)."""
    if names is None:
        return True
    if isinstance(names, str):
        names = [names]
    return any(part.strip().lower() == "all" for item in names for part in str(item).split(","))


def resolve_models(names: list[str] | tuple[str, ...] | str | None) -> tuple[str, ...]:
    """Turn user input (names, aliases, 'all', comma lists) into canonical names in contract order."""
    if names is None:
        names = ["all"]
    if isinstance(names, str):
        names = [names]
    wanted: set[str] = set()
    unknown: list[str] = []
    for item in names:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if part.lower() == "all":
                wanted.update(MODEL_NAMES)
            elif part.lower() in _BY_KEY:
                wanted.add(_BY_KEY[part.lower()].name)
            elif part not in unknown:
                unknown.append(part)
    if unknown:  # every unknown name at once, so one correction fixes the command line
        listed = ", ".join(repr(u) for u in unknown)
        raise ConfigError(
            f"--model: unknown model{'s' if len(unknown) > 1 else ''} {listed}; "
            f"allowed: {allowed_model_names()}"
        )
    if not wanted:
        raise ConfigError(f"--model: no model given; allowed: {allowed_model_names()}")
    return tuple(n for n in MODEL_NAMES if n in wanted)


#: `<model>_best.pt` / `<model>_latest.pth`, in our spelling or the original scripts'.
CHECKPOINT_FILE = re.compile(r"^(?P<prefix>.+)_(?P<kind>best|latest)\.pth?$", re.IGNORECASE)


def model_of_file_name(file_name: str) -> str | None:
    """The model a checkpoint's file name claims (`EmotionRecognizer_best.pt` -> emotionrecognizer),
    or None when the name claims none."""
    match = CHECKPOINT_FILE.match(file_name)
    if match is None:
        return None
    spec = _BY_KEY.get(re.sub(r"[\s_\-]", "", match["prefix"].lower()))
    return spec.name if spec else None
