"""The uci121 comparison in its tiny configuration: leave-data-sets-out end to end."""
from __future__ import annotations

import json

import pandas as pd


def test_tiny_comparison_never_scores_a_task_with_an_artifact_trained_on_it(data_home,
                                                                            tmp_path,
                                                                            bench_script):
    script = bench_script("uci121_comparison")
    assert script.main(["--tiny", "--data-home", str(data_home), "--out", str(tmp_path)]) == 0
    results = pd.read_csv(tmp_path / "results.csv")
    meta = results[results.estimator == "metamlp"]
    assert len(meta) == 4 * len(script.TINY_TASKS) and (meta.status == "ok").all()
    for row in meta.itertuples():
        manifest = json.loads((tmp_path / row.artifact.split("/")[-1] /
                               "manifest.json").read_text())
        assert row.task not in manifest["training_tasks"]
    report = (tmp_path / "report.md").read_text()
    assert "Against published results" in report and "metamlp" in report
