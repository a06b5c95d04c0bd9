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
    from emotrain.cli.evaluate import evaluate
    from emotrain.cli.export import export_rtneural
    from emotrain.cli.plot import plot
    from emotrain.cli.resume import resume
    from emotrain.cli.train import train

    app.command("train")(train)
    app.command("evaluate")(evaluate)
    app.command("resume")(resume)
    app.command("export-rtneural")(export_rtneural)
    app.command("plot")(plot)


_register()


def _error_line(message: str) -> None:
    text = " ".join(str(message).split()) or "unknown error"
    sys.stderr.write(f"error: {text}\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status when `SystemExit` is not raised."""
    from emotrain.errors import EmotrainError

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:  # accepted anywhere on the line, not only before the command
        args = [a for a in args if a != "--debug"]
        args.insert(0, "--debug")
    try:
        app(args=args, prog_name="emotrain", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if argv is None:
            raise
        return code
    except EmotrainError as exc:
        if debug:
            traceback.print_exc()
        _error_line(str(exc))
        if argv is None:
            sys.exit(exc.exit_code)
        return exc.exit_code
    except OSError as exc:  # a full disk, a read-only folder: the user's environment, not a bug
        if debug:
            traceback.print_exc()
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        _error_line(f"cannot read or write{where}: {exc.strerror or exc}")
        if argv is None:
            sys.exit(1)
        return 1
    except KeyboardInterrupt:
        _error_line("interrupted")
        if argv is None:
            sys.exit(130)
        return 130
    except Exception as exc:  # a bug of ours: still one line, with how to see more
        if debug:
            traceback.print_exc()
        _error_line(
            f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
        )
        if argv is None:
            sys.exit(1)
        return 1
    return 0
