"""The `emotrain` command line: Typer commands over the library; never imports torch at module level.

`main()` is the one place where library errors become a message and an exit code: one line on stderr,
status 2 for usage errors and 1 for the rest, and a traceback only with `--debug`.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from emotrain._version import __version__

app = typer.Typer(
    name="emotrain",
    help="Train, check and ship the neural networks of the real-time MIDI companion plugin.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"emotrain {__version__}")
        raise typer.Exit()


@app.callback()
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


def _register() -> None:
    from emotrain.cli.compare import compare
    from emotrain.cli.evaluate import evaluate
    from emotrain.cli.export import export_rtneural
    from emotrain.cli.options import refuse_non_finite
    from emotrain.cli.plot import plot
    from emotrain.cli.preview import preview
    from emotrain.cli.registry import registry_app
    from emotrain.cli.resume import resume
    from emotrain.cli.train import train
    from emotrain.cli.tune import tune

    app.command("train")(refuse_non_finite(train))
    app.command("evaluate")(refuse_non_finite(evaluate))
    app.command("resume")(refuse_non_finite(resume))
    app.command("export-rtneural")(refuse_non_finite(export_rtneural))
    app.command("plot")(refuse_non_finite(plot))
    app.command("tune")(refuse_non_finite(tune))
    app.command("compare")(refuse_non_finite(compare))
    app.command("preview")(refuse_non_finite(preview))
    app.add_typer(registry_app, name="registry")


_register()


def _error_line(message: str) -> None:
    text = " ".join(str(message).split()) or "unknown error"
    sys.stderr.write(f"error: {text}\n")
    sys.stderr.flush()


_COMMANDS = (
    "train",
    "evaluate",
    "resume",
    "export-rtneural",
    "plot",
    "tune",
    "registry",
    "compare",
    "preview",
)


def _usage_hint(args: list[str]) -> str:
    command = next((a for a in args if a in _COMMANDS), None)
    if command == "registry":  # a sub-app: point at the subcommand's own help
        rest = args[args.index(command) + 1 :]
        sub = next((a for a in rest if not a.startswith("-")), None)
        command = f"registry {sub}" if sub else command
    return f"see `emotrain {command} --help`" if command else "see `emotrain --help`"


def _run(args: list[str], debug: bool) -> int:
    """Run the app and turn every way it can end into an exit status, printing at most one line."""
    from emotrain.errors import EmotrainError

    try:
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
        _error_line("interrupted")
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
        _error_line("interrupted")
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
