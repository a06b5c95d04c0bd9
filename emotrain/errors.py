"""A small error hierarchy: the library raises these, and only `cli.main()` turns them into exit codes.

Usage mistakes (bad option values, bad paths) are `ConfigError` and exit with status 2; everything
else a user can cause (unreadable data, a corrupt checkpoint, an export that does not verify) exits 1.
"""

from __future__ import annotations


class EmotrainError(Exception):
    """Base of every error a user can cause; its message is one line meant for them."""

    exit_code = 1


class ConfigError(EmotrainError):
    """A bad option value or combination: a usage error (exit status 2)."""

    exit_code = 2

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class DataError(EmotrainError):
    """Data that cannot be read or used: missing files, bad labels, an empty corpus."""


class CheckpointError(EmotrainError):
    """A checkpoint that is missing, corrupt, unsafe, or of another model or architecture."""


class ExportError(EmotrainError):
    """A model that cannot be exported to RTNeural, or an export that does not compute what PyTorch does."""


class TrainingError(EmotrainError):
    """Training that cannot go on (for example a run that would be overwritten)."""


class UnwritableError(EmotrainError):
    """A folder this process cannot write into (read-only, someone else's): the user's machine,
    not a mistake in the command, so exit status 1 like any failed write, whichever command and
    whichever folder (an --output, a run folder, a registry)."""


class StorageError(EmotrainError):
    """A study's database that cannot be used: its driver is missing, or the server is unreachable."""


class RunInterrupted(EmotrainError):
    """Ctrl-C, SIGTERM or SIGHUP stopped the run: the last epoch's checkpoint stands and the run can
    be resumed. The exit status is the shell's for that signal, 128 + its number (130 for Ctrl-C)."""

    exit_code = 130

    def __init__(self, message: str, signum: int = 2):
        # The message says which signal stopped the run ("interrupted by SIGINT (Ctrl-C): ..."),
        # so a log read later tells a Ctrl-C from a scheduler's SIGTERM; callers write only
        # "interrupted...", and `detail` keeps that for re-raising with the right signal.
        self.detail = message
        self.signum = signum
        self.exit_code = 128 + signum
        if message.startswith("interrupted"):
            message = f"interrupted by {signal_name(signum)}{message[len('interrupted') :]}"
        super().__init__(message)


def signal_name(signum: int) -> str:
    """SIGINT (Ctrl-C), SIGTERM, ...: the name a user can look up."""
    import signal

    try:
        name = signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
    return f"{name} (Ctrl-C)" if name == "SIGINT" else name
