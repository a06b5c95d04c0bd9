"""The plugin contract has one home (emotrain/plugin); the rest of the code agrees with it."""

from __future__ import annotations

import numpy as np

from emotrain.models.catalog import SPECS
from emotrain.plugin import embedding, timing, wiring
from emotrain.plugin.features import DEFAULT_PARAMS


def test_the_specs_have_the_shapes_the_plugin_feeds_and_reads():
    assert tuple(s.name for s in SPECS) == wiring.NAMES
    for spec in SPECS:
        assert (spec.in_features, spec.out_features) == wiring.SHAPES[spec.name]


def test_each_helper_input_has_the_width_its_network_takes():
    rng = np.random.default_rng(0)
    emb = rng.uniform(-1, 1, (3, embedding.EMBEDDING_DIM)).astype(np.float32)
    bands = rng.normal(size=(3, 128)).astype(np.float32)
    for name in wiring.FRAME_HELPERS:
        assert wiring.helper_input(name, emb, bands).shape == (3, wiring.SHAPES[name][0])


def test_the_feature_defaults_are_the_plugin_clock():
    assert DEFAULT_PARAMS.sample_rate == timing.SAMPLE_RATE
    assert DEFAULT_PARAMS.hop_length == timing.HOP
    assert DEFAULT_PARAMS.frame_rate == timing.FRAME_RATE


def test_torch_and_numpy_read_an_embedding_alike():
    import torch

    from emotrain.evaluation.metrics import quadrant, valence_arousal

    rng = np.random.default_rng(1)
    va = rng.uniform(-1, 1, (50, 2))
    emb = embedding.emotion_embedding(va) + rng.normal(0, 0.1, (50, 64)).astype(np.float32)
    v_np, a_np = embedding.valence_arousal(emb)
    v_t, a_t = valence_arousal(torch.from_numpy(emb))
    np.testing.assert_allclose(v_t.numpy(), v_np, rtol=1e-12)
    np.testing.assert_allclose(a_t.numpy(), a_np, rtol=1e-12)
    assert (quadrant(v_t, a_t).numpy() == embedding.quadrants(v_np, a_np)).all()


def test_each_network_carries_its_judging_rules_on_its_spec():
    """Evaluation reads the headline figure, streaming and baseline from the spec, not by name."""
    from emotrain.evaluation.metrics import LOWER_IS_BETTER
    from emotrain.evaluation.verdicts import headline_metric

    by_name = {s.name: s for s in SPECS}
    assert [s.name for s in SPECS if s.streamed] == [wiring.EMOTION]
    assert headline_metric(by_name[wiring.EMOTION]) == ("mean_ccc", True)
    assert headline_metric(by_name[wiring.MELODY]) == ("bce", False)
    for spec in SPECS:
        metric, higher = headline_metric(spec)
        assert higher == (metric not in LOWER_IS_BETTER)
        assert spec.baseline in ("mean", "note_rates") and spec.baseline_meaning


def _names_a_network(node: object) -> bool:
    """A string of a network's name, wiring's constant for one, or a spec's alias (whose words,
    such as "emotion", are also families of figures, so the strings alone cannot tell)."""
    import ast

    if isinstance(node, ast.Constant):
        return node.value in {s.name for s in SPECS}
    if isinstance(node, ast.Name | ast.Attribute):
        word = node.id if isinstance(node, ast.Name) else node.attr
        return word in ("EMOTION", "MELODY", "HARMONY", "DYNAMICS", "GROOVE", "alias")
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_network(e) for e in node.elts)
    return False


def test_training_and_evaluation_ask_the_spec_not_a_network_name():
    """`spec.name == "melodytransformer"` hides a rule that belongs on the spec (or, for which
    vector feeds which network, in plugin/wiring.py): a new network would silently miss it."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "emotrain"
    found = []
    for package in ("training", "evaluation"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Compare):
                    continue
                # `x == MELODY` picks by name; `MELODY in config.models` only asks what was
                # chosen, while `spec.name in (DYNAMICS, GROOVE)` picks by name again
                literal = (ast.Tuple, ast.List, ast.Set)
                picks = any(
                    _names_a_network(side)
                    if not isinstance(op, ast.In | ast.NotIn)
                    else isinstance(side, literal) and _names_a_network(side)
                    for op, side in zip(node.ops, node.comparators, strict=True)
                ) or (
                    not any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
                    and _names_a_network(node.left)
                )
                if picks:
                    where = f"{path.relative_to(root)}:{node.lineno}"
                    found.append(f"{where}: {ast.unparse(node)}")
    assert found == []
