"""Memory at corpus scale (#18), checked by what is kept rather than by bytes measured: the
features live once, in one float32 tensor; no song's array outlives its copy; the trainer's two
sides index that tensor instead of copying it. bench/bench_memory.py measures the peak itself."""

from __future__ import annotations

import gc
import hashlib
import tempfile
import weakref
from pathlib import Path

import numpy as np
import torch

from emotrain.config import DataConfig, RunConfig, TrainingConfig, model_seed
from emotrain.data import cache as cache_mod
from emotrain.data.base import SequenceRows
from emotrain.data.corpus import load_corpus
from emotrain.data.split import split_by_group
from emotrain.data.synthetic import make_synthetic
from emotrain.models import get_spec
from emotrain.models.normalization import feature_statistics
from emotrain.runs.paths import RunPaths
from emotrain.training.model_trainer import ModelTrainer
from emotrain.training.progress import Reporter

EMOTION = get_spec("emotion")


def _load(root: Path, tmp: Path):
    return load_corpus(
        EMOTION, DataConfig(format="deam", path=str(root), seq_len=8), 0, output_dir=tmp
    )


def test_no_song_array_outlives_the_corpus_tensor(deam_corpus, tmp_path, monkeypatch):
    alive: list[weakref.ref] = []
    kept: list[object] = []
    real_read = cache_mod.FeatureCache.read
    real_features = cache_mod.FeatureCache.features

    def read(self, digest):
        feats = real_read(self, digest)
        if feats is not None:
            alive.append(weakref.ref(feats))
        return feats

    def features(self, path, *, keep=True):
        result = real_features(self, path, keep=keep)
        kept.append(result.features)
        return result

    monkeypatch.setattr(cache_mod.FeatureCache, "read", read)
    monkeypatch.setattr(cache_mod.FeatureCache, "features", features)
    for _ in range(2):  # cold, then from the cache
        data = _load(deam_corpus, tmp_path)
        gc.collect()
        assert alive and all(ref() is None for ref in alive)
        assert kept and all(f is None for f in kept)  # pass 1 kept frame counts, not arrays
        assert data.inputs.dtype == data.targets.dtype == torch.float32
        assert data.inputs.is_contiguous() and data.inputs.shape[1:] == (8, 128)
        alive.clear(), kept.clear()


def test_the_trainer_indexes_the_dataset_tensor_instead_of_copying_it():
    spec = get_spec("groove")  # small: the indexing is the same for every network
    seed = model_seed(42, spec.name)
    data = make_synthetic(spec, 40, 6, seed)
    split = split_by_group(data.groups, 0.25, seed)
    config = RunConfig(
        models=(spec.name,),
        data=DataConfig(samples=40, seq_len=6),
        training=TrainingConfig(device="cpu", epochs=1),
        output=tempfile.mkdtemp(),
    )
    trainer = ModelTrainer(
        spec,
        config,
        data,
        split,
        RunPaths(Path(config.output)),
        device=torch.device("cpu"),
        reporter=Reporter(),
    )
    for side, tensor in (
        (trainer.x_train, data.inputs),
        (trainer.x_val, data.inputs),
        (trainer.y_train, data.targets),
        (trainer.y_val, data.targets),
    ):
        assert side.tensor.data_ptr() == tensor.data_ptr()  # the same memory, no copy
    train = torch.tensor(split.train_index)
    val = torch.tensor(split.val_index)
    torch.testing.assert_close(trainer.x_train[torch.tensor([2, 0])], data.inputs[train[[2, 0]]])
    torch.testing.assert_close(trainer.x_val[1:3], data.inputs[val[1:3]])
    torch.testing.assert_close(trainer.x_val[0, :4], data.inputs[val[0], :4])
    assert trainer.x_train.shape == (len(train), 6, spec.in_features)


def test_statistics_over_rows_have_the_bits_of_statistics_over_their_copy():
    inputs = torch.randn(50, 7, 5) * 30 - 40
    index = torch.tensor([3, 9, 0, 41, 17, 8, 8, 22])
    for chunk in (1, 5, 13, 56, 65_536):
        by_rows = feature_statistics(SequenceRows(inputs, index), chunk=chunk)
        by_copy = feature_statistics(inputs[index], chunk=chunk)
        for a, b in zip(by_rows, by_copy, strict=True):
            assert torch.equal(a, b)


def test_the_fingerprint_is_the_one_older_runs_recorded():
    """Hashing the tensors' memory in place gives the digest of their bytes (resume compares it)."""
    data = make_synthetic(get_spec("groove"), 12, 4, 0)
    h = hashlib.sha256()
    for t in (data.inputs, data.targets):
        h.update(str(tuple(t.shape)).encode())
        h.update(t.numpy().tobytes())
    h.update("\n".join(data.groups).encode())
    assert data.fingerprint() == h.hexdigest()
    assert np.asarray(data.inputs).dtype == np.float32
