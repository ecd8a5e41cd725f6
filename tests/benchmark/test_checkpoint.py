"""Resume of the per-task benchmark scripts: done units are skipped, re-run models replaced."""
from __future__ import annotations

import pandas as pd
import pytest

from sklearn_meta.benchmark.checkpoint import RowCheckpoint

def _row(task, size, rep, model, acc=0.5):
    return {"task": task, "size": size, "rep": rep, "model": model, "accuracy": acc}


def test_resume_keeps_rows_and_knows_done_units(tmp_path):
    path = tmp_path / "x_per_task.csv"
    first = RowCheckpoint(path)
    first.add(_row("iris", 16, 0, "RF"))
    first.add(_row("iris", "all", 0, "RF"))
    first.save()
    again = RowCheckpoint(path, resume=True)
    assert again.done("iris", 16, 0, "RF") and again.done("iris", "all", 0, "RF")
    assert not again.done("iris", 16, 1, "RF") and not again.done("iris", 16, 0, "LogReg")
    assert len(again.frame()) == 2
    assert not (tmp_path / "x_per_task.csv.tmp").exists()


def test_without_resume_the_file_is_started_afresh(tmp_path):
    path = tmp_path / "x_per_task.csv"
    pd.DataFrame([_row("iris", 16, 0, "RF")]).to_csv(path, index=False)
    fresh = RowCheckpoint(path)
    assert not fresh.done("iris", 16, 0, "RF") and fresh.frame().empty


def test_rerun_models_drops_only_their_rows(tmp_path):
    path = tmp_path / "x_per_task.csv"
    pd.DataFrame([_row("iris", 16, 0, "RF"), _row("iris", 16, 0, "pretrained")]).to_csv(
        path, index=False)
    ck = RowCheckpoint(path, resume=True, rerun_models=["pretrained"])
    assert ck.done("iris", 16, 0, "RF") and not ck.done("iris", 16, 0, "pretrained")
    with pytest.raises(ValueError, match="rerun_models"):
        RowCheckpoint(path, rerun_models=["RF"])


def test_resume_with_other_settings_is_refused(tmp_path):
    path = tmp_path / "x_per_task.csv"
    first = RowCheckpoint(path, settings={"seed": 0, "max_train": 2000})
    first.add(_row("iris", 16, 0, "RF"))
    first.save()
    assert RowCheckpoint(path, resume=True, settings={"seed": 0, "max_train": 2000}).done(
        "iris", 16, 0, "RF")
    with pytest.raises(ValueError, match=r"other settings \(seed"):
        RowCheckpoint(path, resume=True, settings={"seed": 1, "max_train": 2000})


def test_a_foreign_csv_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "x_per_task.csv"
    pd.DataFrame({"a": [1]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="not a per-task results file"):
        RowCheckpoint(path, resume=True)


def test_bench_metamlp_resumes_and_reruns_on_real_data(data_home, tmp_path, bench_script):
    bench = bench_script("bench_metamlp")
    calls: list[str] = []
    for name in ("LogReg", "RF"):
        make = bench.MODELS[name]
        bench.MODELS[name] = (lambda make, name: lambda s: (calls.append(name), make(s))[1])(
            make, name)
    base = ["--data-home", str(data_home), "--out", str(tmp_path), "--tasks", "iris",
            "--sizes", "16", "--repeats", "2", "--tag", "t"]
    bench.main(base + ["--models", "LogReg"])
    assert calls == ["LogReg", "LogReg"]
    first = pd.read_csv(tmp_path / "t_per_task.csv")
    calls.clear()
    bench.main(base + ["--models", "LogReg,RF", "--resume"])
    assert calls == ["RF", "RF"]  # LogReg's two draws were already done
    resumed = pd.read_csv(tmp_path / "t_per_task.csv")
    assert len(resumed) == 4
    kept = resumed[resumed.model == "LogReg"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept[first.columns], first)
    calls.clear()
    bench.main(base + ["--models", "LogReg,RF", "--resume", "--rerun-models", "RF"])
    assert calls == ["RF", "RF"]
    assert len(pd.read_csv(tmp_path / "t_per_task.csv")) == 4
    assert (tmp_path / "t_summary.md").exists()
