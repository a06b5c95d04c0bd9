"""What tune prints for people: a trial table that fits 80 columns and a summary in rounded
figures (the study's JSON keeps full precision)."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest

from tests.tuning.tune_helpers import STUDY_ARGS, TUNE


def _trial(number: int, value: float | None, state: str = "COMPLETE"):
    params = {"learning_rate": 0.0012345678901234 * (number + 1), "batch_size": 16,
              "early_stopping_patience": 12, "weight_decay": 1.2345678e-05}  # fmt: skip
    return SimpleNamespace(number=number, state=SimpleNamespace(name=state), params=params,
                           values=None if value is None else [value], value=value,
                           user_attrs={})  # fmt: skip


@pytest.mark.parametrize("width", [80, 120])
def test_the_trial_table_fits_with_trial_state_and_value_whole(width):
    from rich.console import Console

    from emotrain.cli.tune_ui import TrialTable

    spec = SimpleNamespace(
        study_name="groovepredictor-study-with-a-long-name", direction="minimize"
    )
    trials = [_trial(i, 0.123456789 + i) for i in range(11)] + [_trial(11, None, "PRUNED")]
    table = TrialTable(spec, live=False, plain=False)._table(trials, width)
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(table)
    lines = console.export_text().splitlines()
    assert all(len(line) <= width for line in lines)
    assert "…" not in "\n".join(lines)
    for t in trials:
        value = "-" if t.value is None else f"{t.value:.4g}"
        assert any(re.search(rf"│ +{t.number} │ {t.state.name.lower()} +│ +{re.escape(value)} ", ln)
                   for ln in lines), t.number  # fmt: skip
    assert "early_stopping_patience=12" in "".join(ln.replace("│", "").replace(" ", "")
                                                   for ln in lines)  # fmt: skip


def test_the_summary_has_no_raw_dict_or_long_floats(study, cli):
    # The shared study's own command again: it has its trials, so nothing runs; only the summary.
    space = study.parent / "space.toml"
    r = cli("tune", *TUNE, *STUDY_ARGS, "--trials", "5", "--space", space, "--output", study)
    assert r.code == 0, r.err
    (best,) = [ln for ln in r.out.splitlines() if ln.startswith("best:")]
    assert "{" not in best and "'" not in best, best
    assert not re.findall(r"\d\.\d{7,}", best), best
    assert "learning_rate=0.03" in best
