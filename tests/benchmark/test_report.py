"""Reports: numbers from the results file, plots that open, published numbers labelled."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sklearn_meta.benchmark.published import published_summary, read_arora_list, read_delgado
from sklearn_meta.benchmark.report import average_ranks, critical_difference, write_report
from sklearn_meta.cli.main import main


def _results(tmp_path):
    rows = []
    for t, (a, b, c) in {"iris": (0.9, 0.8, 0.7), "wine": (0.95, 0.9, 0.96),
                         "zoo": (0.8, 0.85, 0.6), "abalone": (0.6, 0.5, 0.55)}.items():
        for size in ("16", "all"):
            for est, acc in (("ours", a), ("rf", b), ("logreg", c)):
                for fold in range(2):
                    rows.append({"suite": "uci121", "task": t, "estimator": est, "seed": 0,
                                 "train_size": size, "fold": fold, "status": "ok",
                                 "accuracy": acc - (0.1 if size == "16" else 0),
                                 "fit_time": 0.1, "predict_time": 0.01, "peak_memory_mb": 1.0})
    path = tmp_path / "results.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_ranks_and_cd():
    table = pd.DataFrame({"a": [0.9, 0.8], "b": [0.8, 0.9], "c": [0.1, 0.2]})
    assert average_ranks(table).to_dict() == {"a": 1.5, "b": 1.5, "c": 3.0}
    assert critical_difference(3, 10) == pytest.approx(2.343 * np.sqrt(12 / 60))


def test_report_files(tmp_path, data_home):
    import matplotlib.image as mpimg

    out = tmp_path / "rep"
    assert main(["report", str(_results(tmp_path)), "--out", str(out), "--ours", "ours",
                 "--data-home", str(data_home)]) == 0
    text = (out / "report.md").read_text()
    assert "| ours | 0.8125 | 4 | 0.8125 | 1.5000 |" in text  # mean of .9,.95,.8,.6
    assert "| rf | 3 | 0 | 1 | 4 |" in text  # ours vs rf: wins, ties, losses
    assert "Against published results" in text and "(published)" in text
    assert "overlaps the test folds" in text
    for png in ("cd_accuracy_all.png", "cd_accuracy_16.png", "by_train_size_accuracy.png"):
        img = mpimg.imread(out / png)
        assert img.ndim == 3 and img.shape[0] > 50 and img.std() > 0.01  # drawn, not blank


def test_published_files_match_their_readme(data_home):
    folder = data_home / "published"
    delgado = read_delgado(folder)
    arora = read_arora_list(folder)
    assert len(arora) == 90
    summary = published_summary(folder, arora).set_index("method")["mean_accuracy_%"]
    assert summary["rf_caret"] == pytest.approx(81.56, abs=0.01)
    assert summary["svm_C"] == pytest.approx(81.03, abs=0.01)
    assert summary["best of 179 per data set"] == pytest.approx(85.23, abs=0.01)
    assert delgado.loc["abalone", "elm_kernel_matlab"] == pytest.approx(66.1)


@pytest.mark.parametrize("argv, match", [
    (["--metric", "nope"], "--metric: 'nope' has no values in"),
    (["--metric", "r2"], "expected one of ['accuracy', 'fit_time', 'predict_time', "
                         "'peak_memory_mb']"),
    (["--ours", "nope"], "--ours: 'nope' is not an estimator of"),
    (["--ours", "nope"], "expected one of ['logreg', 'ours', 'rf']"),
])
def test_report_cli_unknown_metric_or_ours(argv, match, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", str(_results(tmp_path)), "--out", str(out), *argv]) == 2
    assert match in capsys.readouterr().err
    assert not out.exists()


def test_report_cli_malformed_results(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"task": ["iris"], "accuracy": [0.9]}).to_csv(bad, index=False)
    assert main(["report", str(bad), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err
    assert f"results file {bad} lacks column(s) ['suite', 'estimator', 'train_size', " \
           "'status']" in err
    bad.write_text("")
    assert main(["report", str(bad), "--out", str(tmp_path / "rep")]) == 2
    assert f"results file {bad} is empty" in capsys.readouterr().err


def test_report_without_optional_columns(tmp_path):
    path = _results(tmp_path)
    pd.read_csv(path).drop(columns=["fit_time", "predict_time", "peak_memory_mb"]).to_csv(
        path, index=False)
    text = write_report(path, tmp_path / "rep").read_text()
    assert "Metric: **accuracy**" in text


def test_report_with_ours_alone_and_multi_line_errors(tmp_path):
    frame = pd.read_csv(_results(tmp_path))
    frame = frame[frame.estimator == "ours"].copy()
    frame.loc[frame.index[0], ["status", "accuracy"]] = ["error", np.nan]
    frame["error"] = ""
    frame.loc[frame.index[0], "error"] = "ValueError: first line\n  second line"
    path = tmp_path / "alone.csv"
    frame.to_csv(path, index=False)
    text = write_report(path, tmp_path / "rep", ours="ours").read_text()
    assert "No other estimator scored at this size" in text
    assert "|  |" not in text  # no empty wins/ties/losses table
    assert "- ours: ValueError: first line second line" in text  # one bullet, one line


def test_mixed_classification_and_regression_results_get_a_part_per_metric(tmp_path):
    """Without --metric, a results file holding both task types reports accuracy for the
    classification tasks and R² for the regression ones (it used to drop the regression)."""
    rows = []
    for task, metric, scores in (("iris", "accuracy", (0.9, 0.8)),
                                 ("wine", "accuracy", (0.95, 0.9)),
                                 ("diabetes", "r2", (0.45, 0.40)),
                                 ("energy", "r2", (0.9, 0.95))):
        for est, v in zip(("ours", "rf"), scores):
            rows.append({"suite": "openml", "task": task, "estimator": est, "seed": 0,
                         "train_size": "all", "fold": 0, "status": "ok", metric: v,
                         "fit_time": 0.1, "predict_time": 0.01, "peak_memory_mb": 1.0})
    path = tmp_path / "mixed.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    text = write_report(path, tmp_path / "rep", ours="ours").read_text()
    assert "## accuracy: Training size: all" in text and "## r2: Training size: all" in text
    assert "| ours | 0.9250 |" in text and "| ours | 0.6750 |" in text  # mean acc, mean R²
    only = write_report(path, tmp_path / "rep2", metric="r2").read_text()
    assert "## Training size: all" in only and "accuracy:" not in only
