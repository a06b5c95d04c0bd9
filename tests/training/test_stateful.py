"""Stateful training (--stream-training stateful): the schedule, the carried state, and that a
SIGKILL at any point resumes to the very same bits (the carried state is in the checkpoint)."""

from __future__ import annotations

import pytest
import torch

from emotrain.models.catalog import get_spec
from emotrain.training.checkpoint import load_checkpoint
from emotrain.training.stream_schedule import group_ids, stream_schedule
from tests.training.test_resume import (
    ARGS,
    NAME,
    _emotrain,
    _same,
    assert_same_run,
    killed_then_resumed,
    sigkilled,
)

STATEFUL = [*ARGS, "--stream-training", "stateful"]
WINDOWS = [*ARGS, "--stream-training", "windows"]


def test_schedule_reads_every_window_with_each_song_in_order():
    songs = group_ids(["a", "a", "a", "b", "b", "c", "c", "c", "c", "d"], list(range(10)))
    plan = stream_schedule(songs, 3, torch.Generator().manual_seed(1), reset_every=4)
    assert plan.index.shape == (4, 3) and plan.reset.shape == (4, 3)
    assert set(plan.index.flatten().tolist()) == set(range(10))
    flat = plan.index.t().flatten()[:10]  # streams back to back: the epoch's order of songs
    for song in range(4):
        rows = flat[songs[flat] == song]
        assert rows.tolist() == sorted(rows.tolist())  # a song's windows in corpus order
        assert (songs[flat] == song).nonzero().flatten().diff().eq(1).all()  # and contiguous
    again = stream_schedule(songs, 3, torch.Generator().manual_seed(1), reset_every=4)
    assert torch.equal(plan.index, again.index) and torch.equal(plan.reset, again.reset)


@pytest.mark.parametrize("model", ["emotion", "melody"])
def test_stream_in_two_halves_equals_one_forward_from_zero(model):
    torch.manual_seed(0)
    net = get_spec(model).build().eval()
    x = torch.randn(3, 10, net.in_features)
    with torch.no_grad():
        whole = net(x)
        first, state = net.stream(x[:, :4], net.zero_state(3, torch.device("cpu")))
        second, _ = net.stream(x[:, 4:], state)
        none_first, _ = net.stream(x[:, :4])
    assert torch.allclose(torch.cat([first, second], 1), whole, atol=1e-6)
    assert torch.equal(none_first, first)


@pytest.fixture(scope="module")
def stateful_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("stateful") / "run"
    _emotrain(*STATEFUL, "-o", out)
    return out


@pytest.fixture(scope="module")
def windows_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("windows") / "run"
    _emotrain(*WINDOWS, "-o", out)
    return out


def test_auto_is_stateful_for_the_melody_only():
    from emotrain.models.catalog import SPECS
    from emotrain.training.stream_schedule import resolve_stream_mode

    got = {s.alias: resolve_stream_mode("auto", s.name, s.recurrent) for s in SPECS}
    assert got == {"emotion": "windows", "melody": "stateful", "harmony": "windows",
                   "dynamics": "windows", "groove": "windows"}  # fmt: skip
    for mode in ("windows", "stateful"):  # named modes win; dense networks carry no state
        assert resolve_stream_mode(mode, "emotionrecognizer", True) == mode
        assert resolve_stream_mode(mode, "groovepredictor", False) == "windows"


def test_the_default_trains_the_melody_statefully_and_records_it(tmp_path, stateful_reference):
    import json

    out = tmp_path / "default"
    _emotrain(*ARGS, "-o", out)  # no --stream-training: auto
    assert_same_run(out, stateful_reference)
    assert json.loads((out / "run_config.json").read_text())["training"]["stream_training"] == (
        "auto"
    )
    ckpt = load_checkpoint(out / f"checkpoints/{NAME}_latest.pt")
    assert ckpt["config"]["training"]["stream_training"] == "stateful"  # what resume reads
    history = json.loads((out / f"history/{NAME}_history.json").read_text())
    assert history["stream_training"] == "stateful"


def test_a_config_recorded_before_the_option_reads_as_windows():
    from emotrain.config import RunConfig

    assert RunConfig.from_dict({"training": {}}).training.stream_training == "windows"
    assert RunConfig.from_dict({}).training.stream_training == "windows"
    recorded = {"training": {"stream_training": "windows"}}
    assert RunConfig.from_dict(recorded).training.stream_training == "windows"
    assert RunConfig(models=()).training.stream_training == "auto"  # a new run's default


def test_windows_resume_is_bit_exact_also_from_a_checkpoint_without_the_mode(
    tmp_path, windows_reference
):
    """A run recorded before --stream-training existed (no key) resumes as it trained: windows,
    not the new default."""
    import json

    out = tmp_path / "run"
    sigkilled(out, "mid-epoch", 3, WINDOWS)
    for kind in ("latest", "best"):
        path = out / f"checkpoints/{NAME}_{kind}.pt"
        ckpt = load_checkpoint(path)
        del ckpt["config"]["training"]["stream_training"]
        del ckpt["stream_state"]
        torch.save(ckpt, path)
    config = json.loads((out / "run_config.json").read_text())
    del config["training"]["stream_training"]
    (out / "run_config.json").write_text(json.dumps(config))
    resumed = _emotrain("resume", out, "--quiet")
    assert "Traceback" not in resumed.stderr
    assert_same_run(out, windows_reference)
    after = load_checkpoint(out / f"checkpoints/{NAME}_latest.pt")
    assert after["config"]["training"]["stream_training"] == "windows"
    assert after["stream_state"] is None


def test_carried_state_is_in_the_checkpoint_and_same_seed_same_bits(
    tmp_path, stateful_reference, windows_reference
):
    ckpt = load_checkpoint(stateful_reference / f"checkpoints/{NAME}_latest.pt")
    state = ckpt["stream_state"]
    assert state and all(torch.is_tensor(t) for t in state) and state[0].abs().sum() > 0
    again = tmp_path / "again"
    _emotrain(*STATEFUL, "-o", again)
    assert_same_run(again, stateful_reference)
    assert _same(load_checkpoint(again / f"checkpoints/{NAME}_latest.pt")["stream_state"], state)
    other = load_checkpoint(windows_reference / f"checkpoints/{NAME}_latest.pt")
    assert other["stream_state"] is None
    assert not _same(other["model_state_dict"], ckpt["model_state_dict"])


@pytest.mark.parametrize(("point", "epoch"), [("mid-epoch", 3), ("after-latest", 2)])
def test_sigkill_then_resume_is_bit_exact_when_stateful(tmp_path, stateful_reference, point, epoch):
    out = tmp_path / "run"
    killed_then_resumed(out, point, epoch, STATEFUL)
    assert_same_run(out, stateful_reference)
    a = load_checkpoint(out / f"checkpoints/{NAME}_latest.pt")["stream_state"]
    b = load_checkpoint(stateful_reference / f"checkpoints/{NAME}_latest.pt")["stream_state"]
    assert _same(a, b)


def test_unknown_mode_is_a_usage_error(cli):
    result = cli("train", "-m", "melody", "--stream-training", "tbptt", "--epochs", "1")
    assert result.code == 2
    err = result.out + result.err
    assert "--stream-training" in err and "auto, windows, stateful" in err


def test_recognizer_like_inputs_are_seeded_and_glide_between_songs():
    from emotrain.plugin.embedding import emotion_embedding, valence_arousal
    from emotrain.training.chain_inputs import TRANSITION_STEPS, perturb

    x = torch.from_numpy(emotion_embedding(torch.tensor([[0.5, 0.5]] * 12).numpy())).repeat(2, 1, 1)
    one = perturb(x, torch.Generator().manual_seed(3))
    assert torch.equal(one, perturb(x, torch.Generator().manual_seed(3)))
    assert not torch.equal(one, x) and one.shape == x.shape
    v, _ = valence_arousal(one.numpy())
    assert 0.2 < v.mean() < 0.9 and v.std() > 0.01  # scaled and jittered, still the quadrant
    previous = torch.tensor([[-0.5, -0.5], [-0.5, -0.5]])
    glided = perturb(
        x, torch.Generator().manual_seed(3), previous=previous, changed=torch.tensor([True, False])
    )
    gv, _ = valence_arousal(glided.numpy())
    assert gv[0, 0] < 0 < gv[0, TRANSITION_STEPS]  # from the last song towards the new one
    assert torch.equal(glided[1], one[1])  # no change: no glide


def test_stateful_recognizer_like_resume_is_bit_exact(tmp_path):
    args = [*STATEFUL, "--melody-inputs", "recognizer-like", "--epochs", "3"]
    want, out = tmp_path / "want", tmp_path / "run"
    _emotrain(*args, "-o", want)
    killed_then_resumed(out, "mid-epoch", 2, args)
    assert_same_run(out, want)
