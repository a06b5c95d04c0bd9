"""What one model's training saves in its checkpoint and reads back on resume.

Everything needed to continue bit for bit: weights, optimizer, scheduler, early stopping, history,
the RNG and the recurrent state carried between windows by stateful training. The old pipeline's
keys come first so its readers keep working; ours are read back with defaults, so older files
still load (what cannot be restored is said, not guessed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emotrain._version import __version__
from emotrain.runs.checkpoint import Checkpoint
from emotrain.runs.status import RunStatus
from emotrain.training.checkpoint import load_normalization, load_weights
from emotrain.training.metrics import TrainingMetrics
from emotrain.training.rng import rng_state, set_rng_state

if TYPE_CHECKING:
    from emotrain.training.model_trainer import ModelTrainer

#: Consecutive validation frames embedded in the export as its test vectors (real inputs, not noise).
TEST_VECTOR_FRAMES = 8


def checkpoint_payload(t: ModelTrainer, *, finished: bool = False) -> dict[str, Any]:
    """The file's dict of the trainer's state now (the keys are runs.checkpoint.Checkpoint's)."""
    return Checkpoint(
        epoch=t.epoch,
        model_state_dict={k: v.detach().cpu().clone() for k, v in t.model.state_dict().items()},
        optimizer_state_dict=t.optimizer.state_dict(),
        metrics=t.history.to_dict(),
        model_name=t.spec.name,
        emotrain_version=__version__,
        architecture=t.model.architecture(),
        scheduler_state_dict=t.scheduler.state_dict(),
        early_stopping=t.stopper.state_dict(),
        rng=rng_state(),
        config=t.config.to_dict(),
        device_type=t.device.type,  # what `--device auto` meant here, for resume
        data_fingerprint=t.data_fingerprint,
        data_description=t.description,
        split=t.split_manifest,
        best_epoch=t.stopper.best_epoch,
        best_val_loss=t.stopper.best_score,
        val_metrics=dict(t.best_metrics),
        finished=finished,
        status=str(t.history.status),  # a plain string: weights_only refuses an Enum
        normalization=t.model.normalization.to_checkpoint(t.x_train.shape[0] * t.x_train.shape[1]),
        validation_frames=t.x_val[0, :TEST_VECTOR_FRAMES].detach().cpu().clone(),
        stream_state=(
            [x.detach().cpu().clone() for x in t.stream_state]
            if t.stream_state is not None
            else None
        ),
    ).to_dict()


def restore_state(t: ModelTrainer, ckpt: dict[str, Any]) -> None:
    """Continue from a checkpoint: weights, optimizer, scheduler, early stopping, history, RNG.

    Old-pipeline checkpoints lack most of this; what cannot be restored is said, not guessed.
    """
    c = Checkpoint.from_dict(ckpt)
    load_weights(t.model, c.model_state_dict, t.spec.name)
    load_normalization(t.model, ckpt, t.spec.name)  # none recorded: trained on raw inputs
    if c.optimizer_state_dict:
        try:
            t.optimizer.load_state_dict(c.optimizer_state_dict)
        except (ValueError, KeyError, RuntimeError) as exc:
            t.reporter.warn(
                f"[{t.spec.name}] optimizer state not restored ({exc}); Adam starts afresh"
            )
    if c.scheduler_state_dict:
        t.scheduler.load_state_dict(c.scheduler_state_dict)
    if c.early_stopping:
        t.stopper.load_state_dict(c.early_stopping)
        t.stopper.best_state = None  # an older file's copy of the weights: best.pt is the best
    t.epoch = int(c.epoch or 0)
    if isinstance(c.metrics, dict) and isinstance(c.metrics.get("epochs"), list):
        t.history = TrainingMetrics.from_dict(c.metrics)
    t.history.stream_training = t.config.training.stream_training
    t.history.truncate(t.epoch)
    t.history.status = RunStatus.RUNNING
    t.history.stopped_epoch = None
    t.history.stop_reason = None
    t.best_metrics = dict(c.val_metrics or {})
    if c.rng:
        set_rng_state(c.rng)
    if t.stateful and c.stream_state:
        t.stream_state = tuple(x.to(t.device) for x in c.stream_state)
