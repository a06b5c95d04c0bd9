"""Issue 24: at any width every figure a table had is still there, whole, and no line is wider
than the terminal; columns that do not fit move to a second table with a note; pipes honour
COLUMNS."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.cli.tables import _BREAK, Col, fitted_table, wrap_at_separators


def _render(renderable, width: int) -> list[str]:
    from rich.console import Console

    console = Console(record=True, width=width, file=io.StringIO())
    console.print(renderable)
    return console.export_text().splitlines()


def _summary():
    row = SimpleNamespace
    return [
        row(name="emotionrecognizer", status="early_stopped", best_epoch=117,
            best_val_loss=0.0123456789, export_failure=None, export_error=2.4e-7,
            val_metrics={"valence_ccc": 0.61234, "quadrant_accuracy": 0.7}),
        row(name="melodytransformer", status="finished", best_epoch=3, best_val_loss=0.11254,
            export_failure=None, export_error=None, val_metrics={"note_precision": 0.09524}),
    ]  # fmt: skip


def _comparison():
    figures = [
        {"figure": f, "higher_is_better": f != "mae", "a": 0.123456 + i, "b": 0.2345678 + i,
         "diff": 0.0111 * (i + 1), "ci_low": -0.00123456, "ci_high": 0.0456789, "margin": 0.005,
         "p_holm": 0.0456 + i / 100, "verdict": "better"}
        for i, f in enumerate(["mae", "cosine_similarity", "quadrant_accuracy"])
    ]  # fmt: skip
    return {"figures": figures, "bootstrap": {"confidence": 0.95}}


def _versions():
    return [
        SimpleNamespace(ref=f"groovepredictor@{n}", name="groovepredictor", aliases=["shipped"],
                        lineage={"val_metrics": {"mae": 0.1234},
                                 "source": {"path": "/home/user/runs/a-long-run-name/"
                                            "checkpoints/groovepredictor_best.pt"}},
                        sha256="ab" * 32, created="2026-12-05T07:00:00")
        for n in (1, 2)
    ]  # fmt: skip


def _tables():
    from emotrain.cli.compare import report_table
    from emotrain.cli.registry_views import list_table
    from emotrain.cli.run_ui import summary_table

    summary = (
        lambda w: summary_table(_summary(), "/tmp/runs/a", w),
        ["117", "0.012346", "2.4e-07", "0.6123", "0.09524", "early_stopped", "3"],
    )
    compare = (
        lambda w: report_table(_comparison(), w),
        ["0.1235", "0.2346", "±0.005", "0.046", "0.056", "+0.011", "[-0.0012, +0.046]"],
    )
    registry = (
        lambda w: list_table(_versions(), w),
        [
            "groovepredictor@1",
            "abababababab",
            "2026-12-05 07:00",
            "mae 0.1234",
            "groovepredictor_best.pt",
        ],
    )
    return {"summary": summary, "compare": compare, "registry": registry}  # fmt: skip


@pytest.mark.parametrize("name", ["summary", "compare", "registry"])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_every_figure_is_there_whole_at_60_80_and_120(name, width):
    table, figures = _tables()[name]
    lines = _render(table(width), width)
    assert max(map(len, lines)) <= width
    text = "\n".join(lines)
    assert "…" not in text
    for figure in figures:  # whole, on one line
        assert any(figure in line for line in lines), (figure, text)
    if "did not fit" in text:  # a moved column is said, with its header
        note = " ".join(ln for ln in lines if "note:" in ln or "columns;" in ln)
        assert re.search(r"note: '.+' did not fit \d+", note), note


def test_a_path_wraps_at_its_slashes_not_mid_word():
    lines = _render(_tables()["registry"][0](60), 60)
    text = "\n".join(lines)
    for piece in ("/home/", "user/", "runs/", "a-long-run-name/", "checkpoints/"):
        assert piece in text, text


@settings(max_examples=40, deadline=None)
@given(width=st.integers(min_value=50, max_value=170), name=st.sampled_from(["summary", "compare"]))
def test_any_width_keeps_every_figure(width, name):
    table, figures = _tables()[name]
    lines = _render(table(width), width)
    assert max(map(len, lines)) <= width
    assert all(any(f in ln for ln in lines) for f in figures)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.text(alphabet="ab/ ,_.-", min_size=1, max_size=40), min_size=1, max_size=5),
    width=st.integers(min_value=30, max_value=100),
)
def test_fitted_table_of_any_text_fits_and_loses_no_piece(cells, width):
    cols = [Col("name", key=True), Col("free text", wrap=True), Col("figure", drop=1)]
    rows = [(f"r{i}", c, f"{i}.5") for i, c in enumerate(cells)]
    lines = _render(fitted_table(cols, rows, width), width)
    assert max(map(len, lines)) <= width
    flat = "".join(ln.replace("│", "").replace(" ", "") for ln in lines)
    for i, c in enumerate(cells):
        assert f"{i}.5" in "\n".join(lines)
        for piece in _BREAK.split(c):
            assert piece.replace(" ", "") in flat


def test_wrap_at_separators_breaks_after_slashes():
    assert wrap_at_separators("runs/a/checkpoints/x.pt", 12) == "runs/a/\ncheckpoints/\nx.pt"
    assert wrap_at_separators("valence_ccc 0.6123", 12) == "valence_ccc\n0.6123"


def test_piped_train_and_compare_honour_columns(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    tiny = ["--samples", "24", "--seq-len", "4", "--batch-size", "8", "--device", "cpu"]
    r = cli("train", "-m", "groove", "--epochs", "2", "-o", tmp_path / "a", "-q", *tiny)
    assert r.code == 0, r.err
    assert max(map(len, r.out.splitlines())) <= 80, r.out
    assert "best" in r.out and "epoch" in r.out
    ckpt = tmp_path / "a" / "checkpoints" / "groovepredictor_best.pt"
    r = cli("compare", ckpt, ckpt, "-o", tmp_path / "c", "--device", "cpu")
    assert r.code == 0, r.err
    table = [ln for ln in r.out.splitlines() if re.search("[│┃┏┗┡└]", ln)]  # (paths soft-wrap)
    assert table and max(map(len, table)) <= 80, r.out
    assert "p (Holm)" in r.out and "margin" in r.out
