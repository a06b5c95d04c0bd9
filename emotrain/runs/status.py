"""A model's status in a run, declared once.

Histories and checkpoints store the plain string (`RunStatus.FINISHED.value`): a checkpoint
loads with `torch.load(weights_only=True)`, which refuses an Enum object, and a history stays
readable JSON. Convert at that boundary with `.value` on the way out and `RunStatus.of(text)`
on the way in; everywhere between, compare with the members (they equal their strings too).
"""

from __future__ import annotations

from enum import Enum


class RunStatus(str, Enum):
    """Where one model's training stands; `str(status)` is the stored word."""

    RUNNING = "running"
    FINISHED = "finished"  # every planned epoch ran
    EARLY_STOPPED = "early_stopped"
    DIVERGED = "diverged"
    PRUNED = "pruned"  # a hyperparameter search dropped the trial
    INTERRUPTED = "interrupted"
    EXPORT_FAILED = "export_failed"  # trained, but its export did not reproduce the checkpoint

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @classmethod
    def of(cls, text: object, default: RunStatus | None = None) -> RunStatus:
        """The status a file recorded; none, or a word this version does not know, reads as
        `default` (RUNNING: not ended, so `resume` continues it, as before the Enum)."""
        try:
            return cls(text)
        except ValueError:
            return default if default is not None else cls.RUNNING


#: Statuses a model's training ends with (resume has nothing left to train).
FINAL_STATUSES = (
    RunStatus.FINISHED,
    RunStatus.EARLY_STOPPED,
    RunStatus.DIVERGED,
    RunStatus.PRUNED,
)
#: Statuses that end a model whatever its planned epochs (a larger --epochs does not continue it).
ENDED_EARLY = (RunStatus.EARLY_STOPPED, RunStatus.DIVERGED, RunStatus.PRUNED)
