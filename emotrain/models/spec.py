"""What each plugin network is: its layers, its loss, the metric it is judged by, its meaning."""

from __future__ import annotations

from dataclasses import dataclass

from emotrain.models.layers import Dense, LayerSpec


@dataclass(frozen=True)
class ModelSpec:
    name: str  # the plugin's file name, <name>.json
    alias: str
    role: str
    layers: tuple[LayerSpec, ...]
    loss: str  # "mse" | "bce" | "kl"  (see training/losses.py)
    metric: str  # the headline metric plotted and shown in the summary
    higher_is_better: bool  # for the headline metric
    parameters: int  # the contract's count; a test checks the built model against it
    input_meaning: str
    output_meaning: str
    #: Which family of figures measures it ("emotion" | "notes" | "chords" | "regression"): the
    #: training metrics, evaluation's figures and their bootstrap sums are chosen by it, not by name.
    figures: str = "regression"
    #: The validation figures training records each epoch (history `val_<name>`); a study may
    #: optimise any of them (`tune --metric`), each in the direction models/directions.py gives.
    val_metrics: tuple[str, ...] = ("mae",)
    # How evaluation judges it (evaluation/verdicts.py, judge.py, comparison.py, baselines.py):
    judged_by: str | None = None  # the report's headline figure, where not `metric`
    #: The whole pieces evaluation streams it over, each from one reset as the plugin plays them
    #: (evaluation/judge.py `whole_streams`): "songs" (a corpus's audio songs), "clips" (a MIDI
    #: corpus's clips, also as a live set), "performances" (a MIDI corpus's clips, every frame),
    #: "chord_songs" (a chord corpus's songs, by WCSR); None: judged on windows only.
    judged_whole: str | None = None
    #: The mode `--stream-training auto` trains it in ("windows" | "stateful"), each network's
    #: measured best (bench/bench_stateful.py); a dense network always reads windows.
    auto_stream_training: str = "windows"
    #: Its training inputs are embeddings built from labels where the plugin feeds the recognizer's
    #: output, so `--melody-inputs recognizer-like` perturbs them as one (training/chain_inputs.py).
    recognizer_like_inputs: bool = False
    baseline: str = "mean"  # the constant it must beat: "mean" target or smoothed "note_rates"
    baseline_meaning: str = "mean target"  # that constant, in the report's words

    @property
    def headline_metric(self) -> str:
        return self.judged_by or self.metric

    @property
    def streamed(self) -> bool:
        """Judged with the streamed figures as its headline on any data (the recognizer's songs
        come from every audio corpus; the others' whole pieces only from a real corpus)."""
        return self.judged_whole == "songs"

    @property
    def in_features(self) -> int:
        return self.layers[0].in_features

    @property
    def out_features(self) -> int:
        return self.layers[-1].out_features

    @property
    def recurrent(self) -> bool:
        return any(not isinstance(layer, Dense) for layer in self.layers)

    def build(self):  # -> PluginNetwork, typed loosely to keep torch out of module import
        from emotrain.models.network import PluginNetwork

        return PluginNetwork(self.name, self.layers)
