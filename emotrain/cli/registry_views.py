"""What `registry list/show/history/diff` print for people: words and rounded figures, fitted to
80 columns. `--json` prints the records themselves, at full precision."""

from __future__ import annotations

from typing import Any

from emotrain.cli.tables import Col, fitted_table, number

_SHORT = 12  # characters of a SHA-256 or fingerprint shown to people (`--json`: all of them)


def headline(version: Any) -> str:
    from emotrain.models.catalog import get_spec

    metrics = version.lineage.get("val_metrics") or {}
    metric = get_spec(version.name).metric
    value = metrics.get(metric)
    return f"{metric} {value:.4f}" if isinstance(value, (int, float)) else "-"


def list_table(versions: list[Any], width: int) -> Any:
    cols = (
        Col("version", key=True),
        Col("aliases", key=True),
        Col("validation", key=True),
        Col("sha256", drop=2),
        Col("created", drop=1),
        Col("source", wrap=True, drop=3),
    )
    rows = [
        (
            v.ref,
            ", ".join(v.aliases) or "-",
            headline(v),
            v.sha256[:_SHORT],
            v.created[:16].replace("T", " "),
            str(v.lineage.get("source", {}).get("path", "")),
        )
        for v in versions
    ]
    return fitted_table(cols, rows, width)


def history_table(name: str, changes: list[dict[str, Any]], width: int) -> Any:
    """One model's alias moves; versions as `@N` under a title naming the model, so the version
    columns stay whole at 80 columns."""
    cols = (
        Col("when", key=True),
        Col("alias", key=True),
        Col("from", key=True),
        Col("to", key=True),
        Col("who", drop=1),
        Col("why", wrap=True),
    )

    def short(ref: str | None) -> str:
        return "-" if not ref else "@" + ref.partition("@")[2]

    rows = [
        (c["at"][:16].replace("T", " "), c["alias"], short(c["from"]), short(c["to"]), c["who"],
         c["reason"] or "-")
        for c in changes
    ]  # fmt: skip
    return fitted_table(cols, rows, width, title=f"{name}: alias moves")


def _metrics(values: dict[str, Any] | None) -> str:
    if not values:
        return "none recorded"
    return ", ".join(f"{k} {number(v)}" for k, v in values.items())


def _or(value: Any, word: str = "unknown") -> str:
    return word if value is None or value == "" else str(value)


def show_table(version: Any) -> Any:
    """Label and value per line; long values wrap under their label."""
    from rich.markup import escape
    from rich.table import Table

    lin = version.lineage
    src = lin.get("source") or {}
    ckpt = lin.get("source_checkpoint") or {}
    data = lin.get("data") or {}
    ver = lin.get("verification") or {}
    tune, git, ev = lin.get("tune"), lin.get("git"), lin.get("evaluation")
    split = lin.get("split_manifest") or {}
    versions = lin.get("versions") or {}
    errors = ", ".join(f"{k.replace('max_abs_error_', 'max error ')} {v:.1e}"
                       for k, v in ver.items() if k.startswith(("max_abs", "replayed"))
                       and isinstance(v, (int, float)))  # fmt: skip
    epoch = ckpt.get("epoch")
    trained = "EPOCH 0 / UNTRAINED" if lin.get("untrained") else f"epoch {_or(epoch)}"
    where = [data.get("format") and f"format {data['format']}",
             data.get("path") and f"path {data['path']}",
             data.get("fingerprint") and f"fingerprint {str(data['fingerprint'])[:_SHORT]}"]  # fmt: skip
    rows = [
        ("version", version.ref),
        ("sha256", version.sha256),
        ("aliases", ", ".join(version.aliases) or "none"),
        ("added", f"{version.created.replace('T', ' ')} by {_or(lin.get('registered_by'))}"),
        ("source", f"{_or(src.get('kind'))} {_or(src.get('path'), '')}".strip()),
        ("checkpoint", "none (registered from an export)" if not ckpt else
         f"{_or(ckpt.get('file'))} ({_or(ckpt.get('written_by'))}, {trained}), sha256 "
         f"{str(ckpt.get('sha256'))[:_SHORT]}"),
        ("data", f"{_or(data.get('description'))}"
         + (f" ({', '.join(w for w in where if w)})" if any(where) else "")),
        ("split", f"manifest sha256 {split['sha256'][:_SHORT]}" if split.get("sha256")
         else "not recorded"),
        ("validation", _metrics(lin.get("val_metrics"))),
        ("evaluation", ev.get("verdict") or "no verdict" if ev else "not evaluated"),
        ("export check", errors or "not recorded"),
        ("versions", f"trained with emotrain {_or(versions.get('trained_with_emotrain'))}, "
         f"exported with {_or(versions.get('exported_with_emotrain'))}, torch "
         f"{_or(versions.get('torch'))}"),
        ("git", (git.get("commit", "")[:_SHORT] + (" (dirty)" if git.get("dirty") else ""))
         if git else "not in a git work tree"),
        ("tune", f"{tune.get('study_name')} trial {tune.get('trial_number')}" if tune
         else "not from a tune study"),
        ("parent", f"{lin['parent']} ({lin.get('parent_reason') or 'given'})"
         if lin.get("parent") else "none"),
    ]  # fmt: skip
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(label, escape(value))
    return table


def _value(value: Any) -> str:
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value[:_SHORT]  # a SHA-256 or fingerprint: its head is enough to tell them apart
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value) or "none"
    return number(value) if value is not None else "none"


def diff_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"{result['a']} -> {result['b']}" + ("  (identical files)" if result["same_file"]
                                                  else "")]  # fmt: skip
    sections = (("config", "configuration"), ("data", "data"), ("source_checkpoint", "checkpoint"))
    for key, title in sections:
        rows = result[key]
        lines.append(f"{title}: " + ("same" if not rows else f"{len(rows)} difference(s)"))
        lines += [f"  {row['key']}: {_value(row['a'])} -> {_value(row['b'])}" for row in rows]
    lines.append(f"split: {'same manifest' if result['same_split'] else 'different or unknown'}")
    lines.append("validation metrics:")
    for row in result["val_metrics"]:
        delta = row["b_minus_a"]
        lines.append(f"  {row['metric']}: {_value(row['a'])} -> {_value(row['b'])}"
                     + (f" ({delta:+.4g})" if delta is not None else ""))  # fmt: skip
    if result["feature_recipe_differs"]:
        lines.append("feature recipe: DIFFERENT")
    return lines
