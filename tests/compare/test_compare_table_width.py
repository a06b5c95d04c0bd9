"""The comparison table fits 80 columns with figure names, B - A, intervals and verdicts whole."""

from __future__ import annotations

import io

import pytest

from emotrain.cli.compare import report_table
from emotrain.evaluation.comparison_stats import FIGURES, M


def _report() -> dict:
    rows = []
    for i, figure in enumerate(FIGURES["emotionrecognizer"]):
        rows.append({"figure": figure, "higher_is_better": figure not in M.LOWER_IS_BETTER,
                     "a": 0.123456 + i, "b": 0.2345678 + i, "diff": 0.0111111 * (i + 1),
                     "ci_low": -0.00123456, "ci_high": 0.0456789, "margin": 0.005,
                     "p_value": 0.0123, "p_holm": 0.0456,
                     "verdict": ("better", "worse", "equivalent", "inconclusive", "better")[i]})  # fmt: skip
    rows.append({"figure": "valence_ccc_undefined", "verdict": "undefined", "a": None, "b": 0.5})
    return {"figures": rows, "bootstrap": {"confidence": 0.95}}


@pytest.mark.parametrize("width", [80, 120])
def test_key_columns_whole_at_any_width(width):
    from rich.console import Console

    report = _report()
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(report_table(report, width))
    lines = console.export_text().splitlines()
    assert all(len(line) <= width for line in lines)
    text = "\n".join(lines)
    assert "…" not in text
    for row in report["figures"][:-1]:
        line = next(ln for ln in lines if f" {row['figure']} " in ln)  # the first table's row
        assert row["verdict"] in line and f"{row['diff']:+.2g}" in line
        assert "[-0.0012, +0.046]" in line
    assert "margin" in text and "p (Holm)" in text  # moved to a second table, never dropped
    assert ("did not fit" in text) == (width < 120)
