"""`emotrain registry ...`: a Typer sub-app over emotrain.registry; parse, call, print.

Torch is imported only by the commands that export or compare (add, promote --require-better).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.cli.help import HelpCommand, HelpGroup
from emotrain.cli.options import (
    DataFormatOpt,
    JsonOpt,
    ModelOpt,
    ToleranceOpt,
    judge_data,
)
from emotrain.tolerance import DEFAULT_TOLERANCE

registry_app = typer.Typer(
    name="registry",
    cls=HelpGroup,
    help="Versions, aliases and shipping of exported models (a local SQLite registry).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

RegistryOpt = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        metavar="DIR",
        envvar="EMOTRAIN_REGISTRY",
        help="Registry folder (registry.db + objects/). Default: ./emotrain-registry.",
    ),
]


def _ref(metavar: str = "VERSION", help: str = "NAME@N, NAME@ALIAS or NAME@latest.") -> Any:
    return typer.Argument(metavar=metavar, help=help, show_default=False)


RefArg = Annotated[str, _ref()]


def _open(registry: Path | None, *, create: bool = False):
    from emotrain.registry import registry_dir
    from emotrain.registry.store import Registry

    return Registry(registry_dir(registry), create=create)


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, allow_nan=False, ensure_ascii=False))


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _plain(text: Any) -> str:
    from rich.markup import escape

    return escape(str(text))


@registry_app.command("add", cls=HelpCommand)
def add(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="SOURCE",
            help="A run folder (each model's best checkpoint), a checkpoint or an exported JSON.",
            show_default=False,
        ),
    ],
    registry: RegistryOpt = None,
    model: ModelOpt = None,
    parent: Annotated[
        str | None,
        typer.Option(
            "--parent",
            metavar="VERSION",
            help="The version this one derives from (NAME@N). Default: found from "
            "the run folder's earlier versions.",
        ),
    ] = None,
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE,
    allow_untrained: Annotated[
        bool,
        typer.Option(
            "--allow-untrained",
            help="Register a checkpoint that never finished an epoch (random initial weights).",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Register each model of SOURCE as a new version NAME@N (identical bytes: the existing one)."""
    import math

    from emotrain.errors import ConfigError

    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ConfigError(f"--tolerance: must be a finite number > 0, got {tolerance}")
    from emotrain.registry import registry_dir
    from emotrain.registry.add import register
    from emotrain.registry.candidates import collect
    from emotrain.registry.records import check_parent_count, check_parent_ref
    from emotrain.registry.store import DB_FILE

    # Everything is checked before the registry folder is made: a refused add leaves nothing.
    check_parent_ref(parent)
    candidates = collect(source, models=model, tolerance=tolerance, allow_untrained=allow_untrained)
    check_parent_count(parent, candidates)
    root = registry_dir(registry)
    if parent and not (root / DB_FILE).is_file():
        raise ConfigError(f"--parent: no version {parent} in the registry (no registry at {root})")
    for candidate in candidates:
        if candidate.lineage.get("untrained"):
            typer.echo(f"warning: {candidate.name}: EPOCH 0 / UNTRAINED (random initial weights), "
                       "registered because of --allow-untrained", err=True)  # fmt: skip
    with _open(registry, create=True) as reg:
        results = register(
            reg, source, models=model, parent=parent, tolerance=tolerance, candidates=candidates
        )
        if json_out:
            _print_json([{**v.to_dict(), "added": added} for v, added in results])
            return
        for version, added in results:
            what = "added" if added else "already registered (identical bytes)"
            lineage = version.lineage
            notes = []
            if added and lineage.get("parent"):
                notes.append(f"parent {lineage['parent']}")
            if added and lineage.get("same_network_as"):
                notes.append(f"same network as {lineage['same_network_as']}, other metadata")
            typer.echo(
                f"{version.ref}: {what}, sha256 {version.sha256[:12]}"
                + "".join(f"; {n}" for n in notes)
            )
        typer.echo(f"registry: {reg.root}")


@registry_app.command("list", cls=HelpCommand)
def list_versions(
    model: Annotated[
        str | None,
        typer.Argument(
            metavar="MODEL", help="Only this model (name or alias).", show_default=False
        ),
    ] = None,
    registry: RegistryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List versions: number, aliases, SHA-256, headline validation metric, source."""
    from emotrain.cli.registry_views import list_table
    from emotrain.registry.store import canonical_name

    name = canonical_name(model) if model else None
    with _open(registry) as reg:
        versions = reg.versions(name)
    if json_out:
        _print_json([v.to_dict() for v in versions])
        return
    console = _console()
    console.print(list_table(versions, console.width))
    if not versions:
        console.print("no versions" + (f" of {name}" if name else ""))


@registry_app.command("show", cls=HelpCommand)
def show(ref: RefArg, registry: RegistryOpt = None, json_out: JsonOpt = False) -> None:
    """Everything a version records (its lineage); --json for all of it, config included."""
    with _open(registry) as reg:
        version = reg.get(ref)
    if json_out:
        _print_json(version.to_dict())
        return
    from emotrain.cli.registry_views import show_table

    console = _console()
    console.print(show_table(version))
    console.print("(--json shows the full training configuration and every figure)")


@registry_app.command("diff", cls=HelpCommand)
def diff(
    a: Annotated[str, _ref("A", "The first version: NAME@N, NAME@ALIAS or NAME@latest.")],
    b: Annotated[str, _ref("B", "The second version, in the same forms.")],
    registry: RegistryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Configuration, data and metric differences between two versions."""
    from emotrain.registry.diff import diff_versions

    with _open(registry) as reg:
        result = diff_versions(reg.get(a), reg.get(b))
    if json_out:
        _print_json(result)
        return
    from emotrain.cli.registry_views import diff_lines

    for line in diff_lines(result):
        typer.echo(line)


@registry_app.command("promote", cls=HelpCommand)
def promote(
    ref: RefArg,
    alias: Annotated[
        str, typer.Option("--alias", metavar="ALIAS", help="Alias to move, e.g. shipped.")
    ],
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Why (kept in the history).")
    ] = "",
    require_better: Annotated[
        bool,
        typer.Option(
            "--require-better",
            help="Refuse unless `emotrain compare` of the alias's current holder (A) against "
            "this version (B) says better.",
        ),
    ] = False,
    data: Annotated[
        Path | None,
        judge_data("for --require-better, the validation split of the run both were trained in"),
    ] = None,
    data_format: DataFormatOpt = "auto",
    seed: Annotated[
        int | None,
        typer.Option("--seed", metavar="N", help="Seed of --require-better's comparison."),
    ] = None,
    registry: RegistryOpt = None,
) -> None:
    """Move an alias to a version; the move is appended to the alias's history."""
    from emotrain.errors import DataError
    from emotrain.registry.store import check_alias

    alias = check_alias(alias)
    with _open(registry) as reg:
        version = reg.get(ref)
        holder = reg.holder(version.name, alias)
        expect: Any = "any"
        if require_better:
            expect = None if holder is None else holder.number
            if holder is not None and holder.number != version.number:
                from emotrain.evaluation.comparison import compare

                result = compare(
                    holder.ref,
                    version.ref,
                    registry=reg,
                    data=data,
                    data_format=data_format,
                    seed=seed,
                )
                overall = result["verdict"]
                if overall != "better":
                    raise DataError(
                        f"refusing to promote {version.ref} to {alias}: compared with "
                        f"{holder.ref} it is {overall} ({result['summary']}); nothing was changed"
                    )
                typer.echo(f"compare {holder.ref} {version.ref}: better ({result['summary']})")
            elif holder is None:
                typer.echo(f"no current holder of {version.name}@{alias}: nothing to compare with")
        change = reg.promote(version.ref, alias, reason=reason, expect_from=expect)
    before = change.to_dict()["from"] or "nothing"
    typer.echo(f"{change.name}@{alias}: {before} -> {version.ref} ({change.who}, {change.at})")


@registry_app.command("history", cls=HelpCommand)
def history(
    model: Annotated[
        str, typer.Argument(metavar="MODEL", help="Model name or alias.", show_default=False)
    ],
    alias: Annotated[
        str | None, typer.Option("--alias", metavar="ALIAS", help="Only this alias.")
    ] = None,
    registry: RegistryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Every move of a model's aliases: who, when, from, to and why."""
    from emotrain.cli.registry_views import history_table
    from emotrain.registry.store import canonical_name, check_alias

    name = canonical_name(model)
    alias = check_alias(alias) if alias is not None else None
    with _open(registry) as reg:
        changes = [c.to_dict() for c in reg.history(name, alias)]
    if json_out:
        _print_json(changes)
        return
    console = _console()
    if not changes:
        console.print(f"no alias of {name} has been moved yet")
        return
    console.print(history_table(name, changes, console.width))


@registry_app.command("ship", cls=HelpCommand)
def ship(
    to: Annotated[
        Path,
        typer.Option("--to", metavar="DIR", help="The plugin's models folder.", show_default=False),
    ],
    alias: Annotated[
        str, typer.Option("--alias", metavar="ALIAS", help="Ship the versions holding this alias.")
    ] = "shipped",
    model: ModelOpt = None,
    registry: RegistryOpt = None,
    replace_unlisted: Annotated[
        bool,
        typer.Option(
            "--replace-unlisted",
            help="Replace model files in the folder that no previous models.lock.json lists "
            "(refused by default: they are not the registry's).",
        ),
    ] = False,
) -> None:
    """Write the alias's versions under the plugin's file names plus models.lock.json, as one set."""
    from emotrain.registry.ship import check_target
    from emotrain.registry.ship import ship as ship_set
    from emotrain.registry.store import check_alias

    alias = check_alias(alias)
    check_target(to.resolve())
    with _open(registry) as reg:
        result = ship_set(reg, alias, to, models=model, replace_unlisted=replace_unlisted)
    for m in result.models:
        typer.echo(f"{m.name}.json = {m.version}" + ("" if m.changed else " (unchanged)"))
    typer.echo(f"shipped {len(result.models)} model(s) to {result.folder} with models.lock.json")


@registry_app.command("verify", cls=HelpCommand)
def verify(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A plugin's models folder.", show_default=False)
    ],
) -> None:
    """Check a models folder against its models.lock.json; exit 1 on any mismatch."""
    from emotrain.errors import DataError
    from emotrain.registry.ship import verify_folder

    result = verify_folder(folder)
    for line in result.checked:
        typer.echo(f"ok: {line}")
    for problem in result.problems:
        typer.echo(f"MISMATCH: {problem}")
    if not result.ok:
        raise DataError(f"{folder}: {len(result.problems)} mismatch(es) with its lock file")
    typer.echo(f"{folder}: all {len(result.checked)} file(s) match models.lock.json")
