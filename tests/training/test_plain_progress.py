"""Piped logs: data preparation prints a line every few percent, never one per file."""

from __future__ import annotations

import io
import random

from emotrain.training.progress import PlainReporter

LABEL = "[emotionrecognizer] extracting audio features"


def _lines(calls: list[tuple[int, int]]) -> list[str]:
    out = io.StringIO()
    reporter = PlainReporter(out)
    for done, total in calls:
        reporter.data_progress(LABEL, done, total)
    return out.getvalue().splitlines()


def test_1800_files_give_about_twenty_lines_from_start_to_end():
    lines = _lines([(i, 1800) for i in range(1801)])
    assert lines[0] == f"{LABEL}: 0/1800 (0%)" and lines[-1] == f"{LABEL}: 1800/1800 (100%)"
    assert 20 <= len(lines) <= 22, lines
    assert f"{LABEL}: 90/1800 (5%)" in lines  # every 5 percent, not every quarter


def test_small_totals_and_repeated_or_unordered_reports_stay_bounded():
    assert _lines([(0, 3), (1, 3), (2, 3), (3, 3)]) == [
        f"{LABEL}: 0/3 (0%)", f"{LABEL}: 1/3 (33%)", f"{LABEL}: 2/3 (66%)", f"{LABEL}: 3/3 (100%)",
    ]  # fmt: skip
    rng = random.Random(0)
    calls = [(rng.randint(1, 1800), 1800) for _ in range(5000)] + [(1800, 1800)] * 3
    assert len(_lines(calls)) <= 22
    assert _lines([(0, 0)]) == [f"{LABEL}: 0/0 (100%)"]
