"""The `sklearn-meta` command line, run in-process."""
from __future__ import annotations

import pytest

from sklearn_meta.cli.main import main


def test_datasets_list_uci121(data_home, capsys):
    assert main(["datasets", "list", "--suite", "uci121", "--data-home", str(data_home),
                 "--max-rows", "120"]) == 0
    out = capsys.readouterr().out
    assert "iris" not in out  # 150 rows > 120
    assert "balloons" in out and "tasks in suite 'uci121'" in out


def test_datasets_show_and_errors(capsys):
    assert main(["datasets", "show", "iris", "--suite", "sklearn"]) == 0
    out = capsys.readouterr().out
    assert "rows=150" in out and "class counts: 0: 50, 1: 50, 2: 50" in out
    assert main(["datasets", "show", "nope", "--suite", "sklearn"]) == 2
    assert "no task named 'nope'" in capsys.readouterr().err



@pytest.mark.parametrize("argv, match", [
    (["--folds", "-1"], "argument --folds: expected a non-negative integer, got '-1'"),
    (["--train-sizes", "0"], "argument --train-sizes: expected a positive integer or 'all'"),
    (["--train-sizes", "16", "abc"], "argument --train-sizes: expected a positive integer or "
                                     "'all', got 'abc'"),
])
def test_bench_bad_arguments_are_usage_errors(argv, match, tmp_path, usage_error):
    err = usage_error(["bench", "--suite", "sklearn", "--tasks", "iris", "--results",
                       str(tmp_path / "r.csv"), *argv])
    assert match in err


def test_bench_folds_out_of_range_names_task_and_folds(tmp_path, capsys):
    results = tmp_path / "r.csv"
    assert main(["bench", "--suite", "sklearn", "--tasks", "iris", "--estimators", "logreg",
                 "--folds", "0", "99", "--results", str(results)]) == 2
    err = capsys.readouterr().err
    assert "--folds: fold(s) [99] out of range: task 'iris' has 5 evaluation fold(s)" in err
    assert not results.exists()


@pytest.mark.parametrize("argv, match", [
    (["--max-tasks", "0"], "argument --max-tasks: expected a positive integer, got '0'"),
    (["--max-tasks", "-2"], "argument --max-tasks: expected a positive integer, got '-2'"),
    (["--cv", "1"], "argument --cv: expected an integer >= 2, got '1'"),
])
def test_build_kb_bad_arguments_are_usage_errors(argv, match, usage_error):
    assert match in usage_error(["build-kb", *argv])


def test_build_kb_problems_are_caught_before_any_evaluation(tmp_path, capsys):
    """A missing held-out file must not silently hold out nothing, and an output path that
    cannot be written must fail before hours of evaluations, both as one-line errors."""
    base = ["build-kb", "--suite", "sklearn", "--families", "knn", "--storage",
            str(tmp_path / "kb.log")]
    assert main([*base, "--heldout", str(tmp_path / "nope.txt")]) == 2
    assert "--heldout: name list file" in capsys.readouterr().err
    afile = tmp_path / "afile"
    afile.write_text("")
    assert main([*base, "--out", str(afile / "x.kb.json.gz")]) == 2
    err = capsys.readouterr().err
    assert "--out: cannot create the folder" in err and "Traceback" not in err
    assert not (tmp_path / "kb.log").exists()  # nothing evaluated
    assert main([*base[:4], "nope", *base[5:]]) == 2
    assert "--families: unknown family 'nope'" in capsys.readouterr().err
    from sklearn_meta.search.knowledge_base import DEFAULT_KB

    before = DEFAULT_KB.read_bytes()
    assert main([*base, "--out", str(DEFAULT_KB)]) == 2  # the shipped file: not by accident
    assert "--replace-packaged" in capsys.readouterr().err
    assert DEFAULT_KB.read_bytes() == before and not (tmp_path / "kb.log").exists()


def test_datasets_show_takes_a_task_reference(capsys):
    assert main(["datasets", "show", "sklearn:wine"]) == 0
    assert "rows=178" in capsys.readouterr().out


def test_bench_uci_splits_published_or_kfold(data_home, capsys):
    from sklearn_meta.cli.bench_cmd import _uci_splits
    from sklearn_meta.datasets import load_suite

    tasks = load_suite("uci121", data_home, names=["hayes-roth", "iris"])
    same = _uci_splits(tasks, "published")
    assert same == tasks and "hayes-roth" in capsys.readouterr().err
    kfold = {t.name: t for t in _uci_splits(tasks, "kfold")}
    hr = kfold["hayes-roth"]
    assert len(hr.splits) == 4 and max(te.max() for _, te in hr.splits) < 132  # train file
    assert kfold["iris"] is [t for t in tasks if t.name == "iris"][0]  # unchanged


def test_output_into_a_closed_pipe_is_not_an_error(data_home, monkeypatch, capsys):
    import sys

    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", ClosedPipe())  # e.g. `... datasets list | head -1`
    assert main(["datasets", "list", "--data-home", str(data_home)]) == 0
    assert "Broken pipe" not in capsys.readouterr().err


@pytest.mark.parametrize("argv, match", [
    (["build-kb", "--subsample", "0", "--out", "kb.json.gz"],
     "argument --subsample: expected at least 2 rows, got '0'"),
    (["bench", "--n-jobs", "0", "--results", "r.csv"],
     "argument --n-jobs: expected a non-zero integer (-1: every core), got '0'"),
    (["demo", "--n-trials", "0"], "argument --n-trials: expected a positive integer, got '0'"),
])
def test_numeric_options_are_checked_before_any_work(argv, match, usage_error):
    assert match in usage_error(argv)


@pytest.mark.parametrize("argv", [["meta-train", "--out"], ["demo", "--out"]])
def test_an_output_folder_that_is_a_file_is_named(argv, tmp_path, capsys):
    from sklearn_meta.cli.main import main

    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(SystemExit) as exc:
        main([*argv, str(afile / "sub")])
    assert exc.value.code == 2
    assert "argument --out" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["build-kb", "--random-state", "-5"],
                                  ["demo", "--random-state", "-1"]])
def test_negative_seeds_are_refused_with_the_option_named(argv, capsys):
    from sklearn_meta.cli.main import main

    with pytest.raises(SystemExit):
        main(argv)
    assert f"argument {argv[1]}" in capsys.readouterr().err


def test_build_kb_on_another_suite_holds_out_the_twins_of_held_out_uci121_tasks(tmp_path,
                                                                                 capsys):
    """sklearn's iris is uci121's iris, which the shipped artifact and knowledge base hold
    out: a knowledge base built from the sklearn suite must not contain it either."""
    out = tmp_path / "k.kb.json.gz"
    # all four of its classification tasks are such twins: nothing is left to build from,
    # which is an error (it wrote an empty knowledge base and exited 0)
    assert main(["build-kb", "--suite", "sklearn", "--families", "knn", "--embedder", "none",
                 "--subsample", "60", "--cv", "2", "--storage", str(tmp_path / "s.log"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "same data as held-out uci121 tasks" in err and "'iris'" in err
    assert "all 4 classification tasks are held out" in err
    assert not out.exists() and not (tmp_path / "s.log").exists()
    # with its own (empty) held-out list, the uci121 twins are not held out
    none = tmp_path / "none.txt"
    none.write_text("")
    assert main(["build-kb", "--suite", "sklearn", "--families", "knn", "--embedder", "none",
                 "--subsample", "60", "--cv", "2", "--storage", str(tmp_path / "s.log"),
                 "--heldout", str(none), "--out", str(out)]) == 0
    from sklearn_meta.search import KnowledgeBase

    assert {"iris", "wine"} <= set(KnowledgeBase.load(out).tasks)


def test_missing_files_are_named_with_their_argument(tmp_path, capsys):
    """One-line errors that say which argument named the missing file."""
    assert main(["report", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "r")]) == 2
    assert "results file" in capsys.readouterr().err
    assert main(["meta-train", "--exclude-file", str(tmp_path / "nope.txt"),
                 "--out", str(tmp_path / "mt")]) == 2
    assert "--exclude-file: name list file" in capsys.readouterr().err


def test_suggest_reads_a_table_and_matches_the_api(tmp_path, capsys):
    """`suggest` on a CSV with text labels prints what suggest_configs returns for the same
    table; --json gives the same parameters for scripts."""
    import json

    from sklearn.datasets import load_wine

    from sklearn_meta.search.suggest import suggest_pairs

    frame = load_wine(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    path = tmp_path / "wine.csv.gz"
    frame.to_csv(path, index=False)
    assert main(["suggest", str(path), "--target", "target", "-n", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    X, y = frame.drop(columns="target"), frame["target"]
    expected, _ = suggest_pairs(X, y, None, n=4)
    assert out["task_type"] == "classification" and out["n_rows"] == 178
    assert [(s["estimator"], s["params"]) for s in out["suggestions"]] == \
        [(fam, cfg) for fam, cfg in expected]
    assert len(out["nearest_tasks"]) >= 1
    assert main(["suggest", str(path), "--target", "target", "-n", "3",
                 "--estimator", "hgb"]) == 0
    text = capsys.readouterr().out
    assert "classification, 178 rows x 13 columns" in text
    rows = [ln for ln in text.splitlines() if ln.strip()[:1].isdigit()]
    assert len(rows) == 3 and all(" hgb " in r for r in rows)
    assert "learning_rate=0.1, max_iter=100" in rows[0]  # the estimator's default first


def test_suggest_names_regression_members_and_bad_input(tmp_path, capsys):
    import json

    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame
    path = tmp_path / "diabetes.csv"
    frame.to_csv(path, index=False)
    assert main(["suggest", str(path), "--target", "target", "--estimator", "ridge,svr",
                 "--task-type", "regression", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {s["estimator"] for s in out["suggestions"]} == {"ridge", "svr"}
    for argv, match in [
            ([str(path), "--target", "price"], "--target: 'price' is not a column of "
                                               "diabetes.csv (columns: age, sex"),
            ([str(path)], "--target: name the column to predict"),
            ([str(tmp_path / "none.csv"), "--target", "y"], "data: no such file"),
            ([str(path), "--target", "target", "-n", "0"], "-n: expected a positive integer")]:
        assert main(["suggest", *argv]) == 2
        assert match in capsys.readouterr().err
    odd = tmp_path / "table.xlsx"
    odd.write_bytes(b"x")
    assert main(["suggest", str(odd), "--target", "y"]) == 2
    assert "unknown table format '.xlsx'" in capsys.readouterr().err
    frame.loc[3, "target"] = None
    frame.to_csv(path, index=False)
    assert main(["suggest", str(path), "--target", "target"]) == 2
    assert "'target' has 1 missing values" in capsys.readouterr().err
    frame.loc[3, "target"] = 1.0
    frame.to_csv(path, index=False, sep=";")
    assert main(["suggest", str(path), "--target", "target"]) == 2
    assert "separate its fields by ';': pass --sep ';'" in capsys.readouterr().err
    assert main(["suggest", str(path), "--target", "target", "--sep", ";", "-n", "1"]) == 0
    assert "regression, 442 rows x 10 columns" in capsys.readouterr().out
    frame["target"] = "same"
    frame.to_csv(path, index=False)
    assert main(["suggest", str(path), "--target", "target"]) == 2
    assert "y: a single class ('same') in 442 rows" in capsys.readouterr().err
    assert main(["suggest", "sklearn:wine", "--target", "x"]) == 2
    assert "is a task reference, which names its own target" in capsys.readouterr().err


def test_kb_add_study_then_suggest_draws_on_it(tmp_path, capsys):
    """A user's MetaSearchCV study on their table goes into a copy of the knowledge base
    (never the packaged file) that `suggest --kb` then finds nearest; re-adding is a no-op."""
    import optuna
    from sklearn.datasets import load_breast_cancer

    from sklearn_meta.search.knowledge_base import DEFAULT_KB, KnowledgeBase
    from sklearn_meta.search.search_cv import MetaSearchCV

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    frame = load_breast_cancer(as_frame=True).frame.iloc[::2]
    table = tmp_path / "cancer.csv"
    frame.to_csv(table, index=False)
    storage = str(tmp_path / "search.log")
    MetaSearchCV(["knn", "logistic_regression"], n_trials=4, cv=2, random_state=0,
                 storage=storage, study_name="mine").fit(frame.drop(columns="target"),
                                                          frame["target"])
    packaged = DEFAULT_KB.read_bytes()
    out = tmp_path / "my.kb.json.gz"
    base = ["kb", "add-study", str(table), "--target", "target", "--storage", storage]
    assert main([*base, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "added 4 configurations of study 'mine' as task 'cancer'" in text
    kb = KnowledgeBase.load(out)
    assert {r.task for r in kb.extra} == {"cancer"} and len(kb.extra) == 4
    assert DEFAULT_KB.read_bytes() == packaged
    assert main([*base, "--kb", str(out), "--out", str(out)]) == 0
    assert "nothing new" in capsys.readouterr().out
    assert len(KnowledgeBase.load(out).extra) == 4

    assert main(["kb", "info", "--kb", str(out)]) == 0
    assert "added by add_study: cancer (4 configurations)" in capsys.readouterr().out
    assert main(["suggest", str(table), "--target", "target", "--kb", str(out), "-n", "3",
                 "--json"]) == 0
    import json
    got = json.loads(capsys.readouterr().out)
    assert got["nearest_tasks"][0]["task"] == "cancer"

    for argv, err in [
        (["--storage", str(tmp_path / "none.log")], "--storage: no such journal file"),
        (["--study", "other"], "--study: no study 'other' in"),
        (["--estimator", "svc"], "no finished trial of the 'svc' family"),
        (["--task-name", "abalone"], "--task-name: 'abalone' is already one of the knowledge "
                                     "base's own tasks"),
        (["--out", str(DEFAULT_KB)], "--out: that is a knowledge base shipped with the package"),
    ]:
        args = [*base, "--out", str(tmp_path / "x.kb.json.gz")]
        for flag, value in zip(argv[::2], argv[1::2]):
            if flag in args:
                args[args.index(flag) + 1] = value
            else:
                args += [flag, value]
        assert main(args) == 2
        assert err in capsys.readouterr().err
