"""The `emotrain` command line: Typer commands over the library, each imported only when it runs.

`main()` is the one place where library errors become a message and an exit code: one line on stderr,
status 2 for usage errors and 1 for the rest, and a traceback only with `--debug`.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterable
from typing import Annotated, Any

import typer

from emotrain._version import __version__

#: Every command: name -> ("module:attribute", its one-line help). Listing the commands
#: (`emotrain --help`, `--version`, a mistyped name) reads only this table; a command's module is
#: imported only when that command runs or shows its own help. To add a command: write
#: cli/<name>.py with only light imports at its top (typer, pathlib, cli.options; the rest inside
#: the function) and add its line here; tests/cli/test_lazy_commands.py checks the line against
#: the command's docstring. An attribute that is a `typer.Typer` becomes a group (`registry`).
COMMANDS: dict[str, tuple[str, str]] = {
    "train": (
        "emotrain.cli.train:train",
        "Train the plugin's networks, then export each as RTNeural JSON with curves and "
        "checkpoints.",
    ),
    "evaluate": (
        "emotrain.cli.evaluate:evaluate",
        "Evaluate each model's best checkpoint on its run's validation split, beside a baseline.",
    ),
    "resume": (
        "emotrain.cli.resume:resume",
        "Continue an interrupted run from its checkpoints with the configuration it recorded.",
    ),
    "export-rtneural": (
        "emotrain.cli.export:export_rtneural",
        "Export checkpoints as RTNeural JSON (<output>/<name>.json), verified against PyTorch.",
    ),
    "plot": (
        "emotrain.cli.plot:plot",
        "Draw loss and metric curves (best epoch and early stop marked) from history files.",
    ),
    "tune": (
        "emotrain.cli.tune:tune",
        "Search the training recipe of one network with Optuna; every trial is an ordinary run.",
    ),
    "compare": (
        "emotrain.cli.compare:compare",
        "Compare B against A on the same songs: paired bootstrap, McNemar, Holm; a verdict each.",
    ),
    "preview": (
        "emotrain.cli.preview:preview",
        "Preview what the plugin does with songs: emotion, melody, harmony, dynamics, groove.",
    ),
    "registry": (
        "emotrain.cli.registry:registry_app",
        "Versions, aliases and shipping of exported models (a local SQLite registry).",
    ),
}
_HELP = "Train, check and ship the neural networks of the real-time MIDI companion plugin."


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"emotrain {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Show full tracebacks on errors (also accepted after a command)."
        ),
    ] = False,
) -> None:
    """Train, check and ship the neural networks of the real-time MIDI companion plugin."""


def _not_loaded() -> None:
    """Stands in for a command whose module was not imported (it is only listed)."""
    raise RuntimeError("a command was run without its module being loaded")


def _load(target: str) -> Any:
    import importlib

    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def build_app(load: Iterable[str] = ()) -> typer.Typer:
    """The `emotrain` app with the commands named in `load` imported and the others only listed."""
    from emotrain.cli.help import HelpCommand, HelpGroup

    app = typer.Typer(
        name="emotrain",
        cls=HelpGroup,
        help=_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    wanted = set(load)
    for name, (target, short_help) in COMMANDS.items():
        if name not in wanted:
            app.command(name, help=short_help, short_help=short_help, cls=HelpCommand)(_not_loaded)
            continue
        command = _load(target)
        if isinstance(command, typer.Typer):
            app.add_typer(command, name=name)
        else:
            from emotrain.cli.options import refuse_non_finite

            app.command(name, cls=HelpCommand)(refuse_non_finite(command))
    return app


def _command_of(args: list[str]) -> str | None:
    """The command a command line runs: its first word that is not a (flag-only) root option."""
    word = next((a for a in args if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def __getattr__(name: str) -> Any:
    """`emotrain.cli.app`: every command loaded, for tests and tools that walk the commands."""
    if name == "app":
        return build_app(COMMANDS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _error_line(message: str) -> None:
    text = " ".join(str(message).split()) or "unknown error"
    sys.stderr.write(f"error: {text}\n")
    sys.stderr.flush()


def _usage_hint(args: list[str]) -> str:
    command = next((a for a in args if a in COMMANDS), None)
    if command == "registry":  # a sub-app: point at the subcommand's own help
        rest = args[args.index(command) + 1 :]
        sub = next((a for a in rest if not a.startswith("-")), None)
        command = f"registry {sub}" if sub else command
    return f"see `emotrain {command} --help`" if command else "see `emotrain --help`"


def _run(args: list[str], debug: bool) -> int:
    """Run the app and turn every way it can end into an exit status, printing at most one line."""
    from emotrain.errors import EmotrainError

    try:
        app = build_app([command] if (command := _command_of(args)) else [])
        result = app(args=args, prog_name="emotrain", standalone_mode=False)
    except EmotrainError as exc:
        if debug:
            traceback.print_exc()
        _error_line(str(exc))
        return exc.exit_code
    except OSError as exc:  # a full disk, a read-only folder: the user's environment, not a bug
        if debug:
            traceback.print_exc()
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        _error_line(f"cannot read or write{where}: {exc.strerror or exc}")
        return 1
    except KeyboardInterrupt:
        _error_line("interrupted by SIGINT (Ctrl-C)")
        return 130
    except typer.Abort:
        _error_line("aborted")
        return 1
    except Exception as exc:
        if hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int):
            # Typer's own usage errors (a bad number, an unknown option, a missing argument).
            message = exc.format_message()
            if message:  # (none when `emotrain` alone printed the help)
                _error_line(f"{message} ({_usage_hint(args)})")
            return exc.exit_code
        if debug:  # a bug of ours: still one line, with how to see more
            traceback.print_exc()
        _error_line(
            f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
        )
        return 1
    if result == 130:  # Typer's answer to a second Ctrl-C
        _error_line("interrupted by SIGINT (Ctrl-C)")
    return result if isinstance(result, int) else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script (exits) and of tests (`main([...])` returns the status)."""
    if argv is None:  # the console script: a reader closing stdout early does not stop us
        from emotrain.cli.pipes import guard_stdout

        guard_stdout()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:  # accepted anywhere on the line, not only before the command
        args = [a for a in args if a != "--debug"]
        args.insert(0, "--debug")
    code = _run(args, debug)
    if argv is None:
        sys.stdout.flush()  # now, guarded, rather than at exit where a closed pipe would be noisy
        sys.exit(code)
    return code
