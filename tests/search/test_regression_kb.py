"""The regression knowledge base: built from derived tasks, used for regressors."""
import json

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

from sklearn_meta.cli.main import main
from sklearn_meta.cli.build_kb import read_heldout
from sklearn_meta.datasets.derived import source_name
from sklearn_meta.search import suggest_configs
from sklearn_meta.search.knowledge_base import DEFAULT_KBS, KnowledgeBase, load_default_kb
from sklearn_meta.search.spaces import FAMILIES, fit_to_space
from sklearn_meta.search.suggest import _family_defaults, suggest_pairs


def test_build_kb_regression_cli_excludes_heldout_sources(data_home, tmp_path):
    heldout = tmp_path / "heldout.txt"
    heldout.write_text("abalone\n")
    out = tmp_path / "r.kb.json.gz"
    assert main(["build-kb", "--task-type", "regression", "--data-home", str(data_home),
                 "--storage", str(tmp_path / "kb.log"), "--families", "knn",
                 "logistic_regression", "--max-tasks", "3", "--subsample", "100",
                 "--embedder", "none", "--heldout", str(heldout), "--out", str(out)]) == 0
    kb = KnowledgeBase.load(out)
    assert len(kb.tasks) == 3
    assert all(":col" in t and kb.tasks[t]["task_type"] == "regression" for t in kb.tasks)
    assert "abalone:col4" not in kb.tasks
    assert kb.info["task_type"] == "regression" and kb.embedding_matrix() is None
    manifest = json.loads((tmp_path / "r.manifest.json").read_text())
    assert manifest["training_tasks"] == kb.task_names
    # R^2 scores, some of them meaningfully positive (the columns are predictable)
    scores = [s for v in kb.scores["logistic_regression"].values() for s in v]
    assert max(scores) > 0.3
    X, y = load_diabetes(return_X_y=True)
    pairs, details = suggest_pairs(X, y, Ridge(), n=4, strategy="meta-features",
                                   knowledge_base=kb)
    assert details["task_type"] == "regression" and details["used_neighbours"]
    assert set(details["neighbours"]) <= set(kb.tasks)
    alphas = [cfg["alpha"] for _, cfg in pairs]
    assert alphas[0] == 1.0 and len(set(alphas)) == len(alphas) > 1


def test_shipped_regression_kb_drives_regressor_suggestions():
    path = DEFAULT_KBS["regression"]
    if not path.exists():
        pytest.fail(f"the regression knowledge base {path} is not built")
    kb = load_default_kb("regression")
    assert path.stat().st_size < 2_000_000
    assert {kb.tasks[t]["task_type"] for t in kb.tasks} == {"regression"}
    heldout = set(read_heldout(None, "uci121"))
    assert not {source_name(t) for t in kb.tasks} & heldout
    assert load_default_kb("classification").info.get("task_type", "classification") \
        == "classification"
    X, y = load_diabetes(return_X_y=True)
    out = suggest_configs(X, y, None, n=6)
    est = [getattr(d["estimator"], "_final_estimator", d["estimator"]) for d in out]
    assert all(type(e).__name__.endswith(("Regressor", "Ridge", "SVR")) for e in est)
    # knowledge, not just each family's default: tuned configurations come early
    pairs, details = suggest_pairs(X, y, None, n=6)
    assert details["task_type"] == "regression"
    spaces = {f: FAMILIES[f].space_for("regression") for f, _ in pairs}
    tuned = [cfg != fit_to_space(_family_defaults(f, "regression", spaces[f]), spaces[f])
             for f, cfg in pairs[:4]]
    assert any(tuned)
    with pytest.raises(ValueError, match="task_type"):
        load_default_kb("ranking")
    rng = np.random.default_rng(0)
    cfgs = suggest_configs(X, y + rng.normal(size=len(y)), Ridge(), n=3)
    assert len(cfgs) == 3 and all("alpha" in c for c in cfgs)


def test_build_kb_refuses_unknown_heldout_names(data_home, tmp_path, capsys):
    heldout = tmp_path / "heldout.txt"
    heldout.write_text("abalon\n")  # a typo would put abalone into the knowledge base
    assert main(["build-kb", "--data-home", str(data_home), "--storage",
                 str(tmp_path / "kb.log"), "--families", "knn", "--max-tasks", "1",
                 "--heldout", str(heldout), "--out", str(tmp_path / "kb.json.gz")]) == 2
    err = capsys.readouterr().err
    assert "--heldout: unknown task names ['abalon']" in err and "Traceback" not in err


def test_own_studies_reach_auto_suggestions_with_the_regression_kb():
    import optuna
    from sklearn.ensemble import HistGradientBoostingRegressor

    X, y = load_diabetes(return_X_y=True)
    # a copy of its own: the cached default knowledge base is shared by the other tests
    kb = KnowledgeBase.load(DEFAULT_KBS["regression"])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(0))
    best = {"learning_rate": 0.0123, "max_leaf_nodes": 5}
    study.enqueue_trial(best)
    study.optimize(lambda t: 1.0 if t.suggest_float("learning_rate", 0.01, 0.3, log=True)
                   == 0.0123 else 0.5 + 0.0 * t.suggest_int("max_leaf_nodes", 4, 64), 4)
    assert kb.add_study(study, X, y, HistGradientBoostingRegressor(), "my-diabetes") >= 1
    with pytest.warns(UserWarning, match="nothing added"):  # the same study twice: once
        assert kb.add_study(study, X, y, HistGradientBoostingRegressor(), "my-diabetes") == 0
    out = suggest_configs(X, y, HistGradientBoostingRegressor(), n=10, knowledge_base=kb)
    assert any(c.get("learning_rate") == pytest.approx(0.0123) for c in out)


def test_a_knowledge_base_without_the_task_type_says_so():
    from sklearn.datasets import load_iris
    from sklearn.svm import SVC

    X, y = load_iris(return_X_y=True)
    with pytest.warns(UserWarning, match="holds no classification task; 1 of the 5"):
        out = suggest_configs(X, y, SVC(), n=5, knowledge_base=load_default_kb("regression"))
    assert out == [{"C": 1.0}]
