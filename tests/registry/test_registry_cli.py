"""`emotrain registry` end to end on real SQLite files, real run folders and real exports."""

from __future__ import annotations

import json
import shutil
import subprocess

from emotrain.io import sha256_file
from tests.evaluation.evalruns import old_pipeline_checkpoint
from tests.registry.conftest import export_file


def _json(result) -> object:
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_add_list_show_diff_promote_history(cli, registry, run_dir, tmp_path):
    added = _json(cli("registry", "add", run_dir, "--registry", registry, "--json"))
    assert [v["version"] for v in added] == ["groovepredictor@1"] and added[0]["added"]
    assert (registry / "registry.db").is_file()
    sha = added[0]["sha256"]
    obj = registry / "objects" / f"{sha}.json"
    assert obj.is_file() and sha256_file(obj) == sha

    # The same bytes again, from the checkpoint or from the stored file: the same version.
    again = _json(
        cli("registry", "add", run_dir / "checkpoints" / "groovepredictor_best.pt",
            "--registry", registry, "--json")
    )  # fmt: skip
    assert again[0]["version"] == "groovepredictor@1" and not again[0]["added"]
    assert _json(cli("registry", "add", obj, "--registry", registry, "--json"))[0]["added"] is False

    other = export_file(tmp_path / "x" / "groovepredictor.json", seed=5)
    second = _json(cli("registry", "add", other, "--registry", registry, "--json"))
    assert second[0]["version"] == "groovepredictor@2"

    listed = _json(cli("registry", "list", "groove", "--registry", registry, "--json"))
    assert [v["version"] for v in listed] == ["groovepredictor@1", "groovepredictor@2"]
    table = cli("registry", "list", "--registry", registry)
    assert table.code == 0 and "groovepredictor@2" in table.out

    shown = _json(cli("registry", "show", "groove@1", "--registry", registry, "--json"))
    assert shown["sha256"] == sha and shown["lineage"]["model"] == "groovepredictor"
    assert "manifest sha256" in cli("registry", "show", "groove@1", "--registry", registry).out

    diff = _json(cli("registry", "diff", "groove@1", "groove@2", "--registry", registry, "--json"))
    assert not diff["same_file"] and diff["config"]  # the run's config against none
    metrics = {row["metric"]: row for row in diff["val_metrics"]}
    assert metrics == {} or all(r["a"] is not None or r["b"] is not None for r in metrics.values())

    first = cli("registry", "promote", "groove@1", "--alias", "shipped", "--reason", "first",
                "--registry", registry)  # fmt: skip
    assert first.code == 0, first.err
    assert "nothing -> groovepredictor@1" in first.out
    assert cli("registry", "promote", "groove@2", "--alias", "shipped", "--reason", "newer",
               "--registry", registry).code == 0  # fmt: skip
    assert (
        _json(cli("registry", "show", "groove@shipped", "--registry", registry, "--json"))[
            "version"
        ]
        == "groovepredictor@2"
    )
    history = _json(cli("registry", "history", "groove", "--registry", registry, "--json"))
    assert [(h["from"], h["to"], h["reason"]) for h in history] == [
        (None, "groovepredictor@1", "first"),
        ("groovepredictor@1", "groovepredictor@2", "newer"),
    ]
    assert all("@" in h["who"] and h["at"] for h in history)


def test_history_is_append_only(cli, registry, run_dir):
    import sqlite3

    cli("registry", "add", run_dir, "--registry", registry)
    cli("registry", "promote", "groove@1", "--alias", "shipped", "--registry", registry)
    db = sqlite3.connect(registry / "registry.db")
    for statement in ("DELETE FROM alias_history", "UPDATE alias_history SET reason = 'x'",
                      "UPDATE versions SET sha256 = 'x'"):  # fmt: skip
        try:
            db.execute(statement)
        except sqlite3.DatabaseError as exc:
            assert "append-only" in str(exc) or "immutable" in str(exc)
        else:
            raise AssertionError(f"{statement} was allowed")


def test_env_var_picks_the_registry(cli, registry, run_dir, monkeypatch):
    monkeypatch.setenv("EMOTRAIN_REGISTRY", str(registry))
    assert cli("registry", "add", run_dir).code == 0
    assert "groovepredictor@1" in cli("registry", "list").out


def test_lineage_of_a_run(cli, registry, run_dir):
    lin = _json(cli("registry", "add", run_dir, "--registry", registry, "--json"))[0]["lineage"]
    ckpt = run_dir / "checkpoints" / "groovepredictor_best.pt"
    assert lin["source"]["kind"] == "run" and lin["source"]["run_dir"] == str(run_dir.resolve())
    assert lin["source_checkpoint"]["sha256"] == sha256_file(ckpt)
    assert lin["checkpoint_format"] == "emotrain"
    config = json.loads((run_dir / "run_config.json").read_text())
    assert lin["config"] == config and lin["data"]["format"] == config["data"]["format"]
    assert lin["data"]["fingerprint"] and len(lin["data"]["fingerprint"]) == 64
    split = run_dir / "splits" / "groovepredictor_split.json"
    assert lin["split_manifest"]["sha256"] == sha256_file(split)
    assert lin["verification"]["max_abs_error_float32"] <= lin["verification"]["tolerance"]
    assert lin["versions"]["torch"] and lin["versions"]["registered_with_emotrain"]
    assert lin["tune"] is None and lin["evaluation"] is None and lin["parent"] is None
    assert lin["git"] is None  # tmp_path is no git work tree


def test_lineage_of_a_tuned_trial_with_evaluation_in_git(cli, registry, run_dir, tmp_path):
    trial = tmp_path / "repo" / "study" / "trial-3"
    shutil.copytree(run_dir, trial)
    tune = {"study_name": "s1", "storage": "sqlite:///study.db", "trial_number": 3,
            "params": {"lr": 0.003}, "study_dir": str(trial.parent)}  # fmt: skip
    (trial / "tune_trial.json").write_text(json.dumps(tune))
    (trial / "evaluation_results.json").write_text(json.dumps({
        "created": "2026-01-01T00:00:00+00:00",
        "models": {"groovepredictor": {"checkpoint": "x_best.pt", "metrics": {"mae": 0.2},
                   "headline": {"metric": "mae", "verdict": "better", "ci": [0.01, 0.05]}}},
    }))  # fmt: skip
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.email=a@b", "-c", "user.name=a"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README").write_text("x")
    subprocess.run([*git, "add", "README"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    lin = _json(cli("registry", "add", trial, "--registry", registry, "--json"))[0]["lineage"]
    assert lin["tune"] == tune
    assert lin["evaluation"]["verdict"] == "better" and lin["evaluation"]["ci"] == [0.01, 0.05]
    assert lin["git"]["commit"] == head.strip()


def test_lineage_of_an_old_script_checkpoint(cli, registry, tmp_path):
    path = old_pipeline_checkpoint(tmp_path / "GroovePredictor_best.pth", "groove")
    lin = _json(cli("registry", "add", path, "--registry", registry, "--json"))[0]["lineage"]
    assert lin["model"] == "groovepredictor" and lin["checkpoint_format"] == "old-pipeline"
    assert lin["source_checkpoint"]["written_by"] == "original training scripts"
    assert lin["source_checkpoint"]["sha256"] == sha256_file(path) and lin["epoch"] == 30
    assert lin["val_metrics"] == {"train_loss": 0.4, "val_loss": 0.5}
    assert lin["config"] is None and lin["data"]["fingerprint"] is None


def test_parent_from_the_same_run_and_explicit(cli, registry, run_dir, tmp_path):
    cli("registry", "add", run_dir, "--registry", registry)
    # The run trains on (as a resume would): new weights in the same run folder.
    from tests.evaluation.evalruns import write_run

    write_run(run_dir, "groovepredictor", samples=16, seq_len=4, train_steps=3)
    lin = _json(cli("registry", "add", run_dir, "--registry", registry, "--json"))[0]["lineage"]
    assert lin["version"] == "groovepredictor@2" and lin["parent"] == "groovepredictor@1"
    other = export_file(tmp_path / "x.json", seed=9)
    given = _json(cli("registry", "add", other, "--parent", "groove@1", "--registry", registry,
                      "--json"))[0]["lineage"]  # fmt: skip
    assert given["parent"] == "groovepredictor@1" and given["parent_reason"] == "--parent"
    bad = cli("registry", "add", export_file(tmp_path / "y.json", seed=10), "--parent",
              "groove@7", "--registry", registry)  # fmt: skip
    assert bad.code == 2 and "no version groovepredictor@7" in bad.err


def test_refuses_exports_that_fail_verification(cli, registry, tmp_path):
    good = export_file(tmp_path / "g.json")
    doc = json.loads(good.read_text())
    doc["layers"][0]["weights"][1][0] += 0.5  # a changed bias: the test vectors no longer match
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    result = cli("registry", "add", bad, "--registry", registry)
    assert result.code == 1 and "does not reproduce its own test vectors" in result.err
    assert len(result.err_lines) == 1
    doc = json.loads(good.read_text())
    doc["emotrain"]["verification"] = None
    bad.write_text(json.dumps(doc))
    result = cli("registry", "add", bad, "--registry", registry)
    assert result.code == 1 and "without verification" in result.err
    assert not registry.exists()  # refused before the registry was made


def test_usage_errors_are_one_line(cli, registry, run_dir, tmp_path):
    missing = cli("registry", "show", "groove@1", "--registry", tmp_path / "none")
    assert missing.code == 1 and "no registry at" in missing.err
    cli("registry", "add", run_dir, "--registry", registry)
    for args, code, text in (
        (("show", "groove"), 2, "NAME@N"),
        (("show", "flute@1"), 2, "unknown model"),
        (("show", "groove@9"), 1, "no version groovepredictor@9"),
        (("promote", "groove@1", "--alias", "7up"), 2, "--alias"),
        (("add", tmp_path / "nothing"), 2, "SOURCE"),
    ):
        result = cli("registry", *args, "--registry", registry)
        assert result.code == code and text in result.err, (args, result.err)
        assert len(result.err_lines) == 1 and "Traceback" not in result.err
