"""suggest_configs and warm_start_study on real data and the shipped knowledge base."""
import copy
import warnings

import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from sklearn.svm import SVC

from sklearn_meta.cli.build_kb import subsample_task
from sklearn_meta.datasets import load_suite
from sklearn_meta.search import KnowledgeBase, suggest_configs, warm_start_study
from sklearn_meta.search.composition import from_second
from sklearn_meta.search.knowledge_base import compute_meta_features
from sklearn_meta.search.suggest import suggest_pairs


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def heldout_iris(data_home):
    (task,) = load_suite("uci121", data_home=data_home, names=["iris"])
    return task


def _l1_neighbours(kb, X, y, k):
    """Independent auto-sklearn-1 distance: L1 over min-max scaled meta-features."""
    mf = compute_meta_features(X, y)
    names, M = kb.meta_feature_matrix()
    q = np.array([np.nan if mf.get(n) is None else mf[n] for n in kb.meta_feature_names])
    med = np.nanmedian(M, axis=0)
    M, q = np.where(np.isfinite(M), M, med), np.where(np.isfinite(q), q, med)
    lo, hi = M.min(0), M.max(0)
    keep = hi - lo > 1e-12
    Z, z = (M[:, keep] - lo[keep]) / (hi - lo)[keep], (q[keep] - lo[keep]) / (hi - lo)[keep]
    d = np.abs(Z - np.clip(z, -0.5, 1.5)).sum(1)
    return [names[i] for i in np.argsort(d, kind="stable")[:k]]


def test_heldout_suggestions_come_from_nearest_kb_tasks(kb, heldout_iris):
    X, y = heldout_iris.X, heldout_iris.y
    assert "iris" not in kb.tasks
    pairs, info = suggest_pairs(X, y, SVC(), n=6, strategy="meta-features",
                                knowledge_base=kb, n_neighbors=3)
    assert info["kind"] == "meta-features"
    assert info["neighbours"] == _l1_neighbours(kb, X, y, 3)
    assert pairs[0] == ("svc", {"C": 1.0})  # the estimator's default first
    ranges = kb.score_range()
    good = set()
    for r in kb.records("svc"):
        if r.task in info["neighbours"] and kb.normalised(r, ranges) >= 0.5:
            good.add(kb.dedup_key("svc", {k: r.config[k] for k in sorted(r.config)}))
    # after the default, a third of the positions go to the portfolio (the third, sixth...)
    from_neighbours = [p for j, p in enumerate(pairs[1:]) if not from_second(j, 1 / 3)]
    assert len(from_neighbours) == 6 - 1 - (6 - 1) // 3
    for fam, cfg in from_neighbours:
        full = {"C": 1.0, **cfg}
        assert kb.dedup_key(fam, full) in good or kb.dedup_key(fam, cfg) in good


def test_known_task_is_its_own_nearest_neighbour(kb, data_home):
    name = kb.task_names[0]
    (task,) = load_suite("uci121", data_home=data_home, names=[name])
    task = subsample_task(task, kb.info.get("subsample_rows", 300))
    _, info = suggest_pairs(task.X, task.y, SVC(), n=3, strategy="meta-features",
                            knowledge_base=kb)
    assert info["neighbours"][0] == name and info["distances"][0] < 1e-6
    _, info = suggest_pairs(task.X, task.y, SVC(), n=3, strategy="meta-features",
                            knowledge_base=kb, exclude_tasks=[name])
    assert name not in info["neighbours"]


def test_a_known_task_in_other_units_is_still_near_itself(kb, data_home):
    # uci121 ships standardised columns; a user's copy of the same table comes in its own
    # units (cm, dollars, counts). Described unit-free, it is still its own nearest
    # neighbour and "auto" uses the neighbours (it fell back to the portfolio on every raw
    # table: mean, sd, range, covariance... made any raw table look far from all)
    (task,) = load_suite("uci121", data_home=data_home, names=["glass"])
    task = subsample_task(task, kb.info.get("subsample_rows", 300))
    rng = np.random.default_rng(0)
    scales = 10.0 ** rng.uniform(-3, 4, task.X.shape[1])
    X_raw = task.X * scales + rng.uniform(-100, 1000, task.X.shape[1])
    _, info = suggest_pairs(X_raw, task.y, SVC(), n=3, strategy="meta-features",
                            knowledge_base=kb)
    assert info["neighbours"][0] == "glass" and info["distances"][0] < 1e-6
    _, info = suggest_pairs(X_raw, task.y, None, n=5, strategy="auto", knowledge_base=kb)
    assert info["near"] and info["used_neighbours"]
    assert compute_meta_features(X_raw, task.y) == pytest.approx(
        compute_meta_features(task.X, task.y), rel=1e-6, abs=1e-9, nan_ok=True)


def test_auto_falls_back_to_portfolio_when_far(kb):
    rng = np.random.default_rng(0)
    X, y = rng.standard_cauchy((40, 300)) * 1e3, np.arange(40) % 2
    auto, info = suggest_pairs(X, y, SVC(), n=5, strategy="auto", knowledge_base=kb)
    assert info["near"] is False and info["used_neighbours"] is False
    port, _ = suggest_pairs(X, y, SVC(), n=5, strategy="portfolio", knowledge_base=kb)
    assert auto == port


def test_suggestions_fit_the_callers_space(kb, heldout_iris):
    space = {"C": FloatDistribution(0.5, 2.0)}
    out = suggest_configs(heldout_iris.X, heldout_iris.y, SVC(), n=5, search_space=space,
                          knowledge_base=kb)
    assert out and all(set(c) == {"C"} and 0.5 <= c["C"] <= 2.0 for c in out)
    assert len({c["C"] for c in out}) == len(out)  # deduplicated


def test_embedding_strategy_uses_embedder_and_falls_back(kb, heldout_iris):
    X, y = heldout_iris.X, heldout_iris.y
    with pytest.warns(UserWarning, match="falling back to meta-features"):
        _, info = _warn_and_fallback(kb, X, y)
    assert info["kind"] == "meta-features"
    kb2 = copy.deepcopy(kb)
    idx = [kb2.meta_feature_names.index(n) for n in ("nr_inst", "nr_attr", "nr_class")]
    for t in kb2.tasks.values():
        t["embedding"] = [np.log(t["meta_features"][i] or 1.0) for i in idx]
    kb2.embedding_name = "toy"

    def toy(X, y):
        mf = compute_meta_features(X, y)
        return np.log([mf["nr_inst"], mf["nr_attr"], mf["nr_class"]])

    _, info = suggest_pairs(X, y, SVC(), n=3, strategy="embedding", knowledge_base=kb2,
                            embedder=toy)
    assert info["kind"] == "embedding"


def _warn_and_fallback(kb, X, y):
    kb2 = copy.deepcopy(kb)
    for t in kb2.tasks.values():
        t["embedding"] = None
    return suggest_pairs(X, y, SVC(), n=3, strategy="embedding", knowledge_base=kb2)


def test_zero_shot_across_families(kb, heldout_iris):
    from sklearn.model_selection import cross_val_score

    X, y = heldout_iris.X, heldout_iris.y
    (best,) = suggest_configs(X, y, None, n=1, knowledge_base=kb)
    acc = cross_val_score(best["estimator"], X, y, cv=heldout_iris.splits).mean()
    assert acc >= 0.9


def test_warm_start_study_enqueues_once(kb, heldout_iris):
    study = optuna.create_study(direction="maximize")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = warm_start_study(study, heldout_iris.X, heldout_iris.y, SVC(), n=4,
                                 knowledge_base=kb)
        warm_start_study(study, heldout_iris.X, heldout_iris.y, SVC(), n=4, knowledge_base=kb)
    waiting = study.get_trials(states=(optuna.trial.TrialState.WAITING,))
    assert len(first) == 4 and len(waiting) == 4
    assert waiting[0].system_attrs["fixed_params"] == {"C": 1.0}


def test_bad_arguments_are_named(kb, heldout_iris):
    with pytest.raises(ValueError, match="strategy"):
        suggest_configs(heldout_iris.X, heldout_iris.y, SVC(), strategy="nearest",
                        knowledge_base=kb)
    with pytest.raises(ValueError, match="n must"):
        suggest_configs(heldout_iris.X, heldout_iris.y, SVC(), n=0, knowledge_base=kb)


def test_zero_shot_regression_without_kb_tasks_gives_family_defaults(kb):
    """No regression task in the knowledge base: still one ready estimator per family."""
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import cross_val_score

    X, y = load_diabetes(return_X_y=True)
    suggestions = suggest_configs(X, y, None, n=3, knowledge_base=kb)
    assert len(suggestions) == 3
    est = suggestions[0]["estimator"]
    from sklearn.base import is_regressor

    assert is_regressor(est)
    assert cross_val_score(est, X, y, cv=3).mean() > 0.2  # a real model, not a placeholder


def test_default_ranks_by_all_kb_tasks_weighted_by_similarity(kb, data_home):
    """n_neighbors=None (default): every KB task votes with its similarity weight; the
    neighbour part of the list follows that weighted normalised score (on zoo it differs from
    what the 5 nearest tasks alone give)."""
    from sklearn_meta.search.suggest import neighbours_for

    (task,) = load_suite("uci121", data_home=data_home, names=["zoo"])
    X, y = task.X, task.y
    assert "zoo" not in kb.tasks
    n = 10
    pairs, info = suggest_pairs(X, y, SVC(), n=n, strategy="meta-features", knowledge_base=kb)
    assert len(info["neighbours"]) == 5  # the nearest few are reported
    nb = neighbours_for(X, y, kb, "meta-features", "classification")
    assert sorted(nb.names) == sorted(kb.tasks)
    w = dict(zip(nb.names, nb.weights))
    ranges = kb.score_range()
    per_task: dict = {}
    for r in kb.records("svc"):
        key = kb.dedup_key("svc", {"C": 1.0, **r.config})  # completed with the defaults
        per_task.setdefault(r.task, {})[key] = max(per_task.get(r.task, {}).get(key, -1),
                                                   kb.normalised(r, ranges))
    keys = {k for v in per_task.values() for k in v}
    util = {k: sum(w[t] * v.get(k, np.median(list(v.values()))) for t, v in per_task.items())
            for k in keys}
    expected = [k for k in sorted(util, key=lambda k: -util[k]) if k != "svc|C=1.0"]
    keys = [kb.dedup_key(f, {"C": 1.0, **c}) for f, c in pairs[1:]]
    got = [k for j, k in enumerate(keys) if not from_second(j, 1 / 3)]  # the neighbours' part
    from_portfolio = set(keys) - set(got)
    assert len(got) == n - 1 - (n - 1) // 3
    assert got == [k for k in expected if k not in from_portfolio][:len(got)]
    five, _ = suggest_pairs(X, y, SVC(), n=n, strategy="meta-features", knowledge_base=kb,
                            n_neighbors=5)
    assert five != pairs
    with pytest.raises(ValueError, match="n_neighbors"):
        suggest_configs(X, y, SVC(), knowledge_base=kb, n_neighbors=0)


def test_family_lists_keep_instances_and_fill_n(kb, heldout_iris):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = heldout_iris.X, heldout_iris.y
    two = suggest_configs(X, y, ["logistic_regression", "random_forest"], n=10,
                          knowledge_base=kb)
    assert len(two) == 10  # the portfolio is built over the asked families
    pipe = make_pipeline(StandardScaler(), LogisticRegression(solver="liblinear"))
    (first,) = suggest_configs(X, y, [pipe], n=1, knowledge_base=kb)
    est = first["estimator"]
    assert isinstance(est, type(pipe)) and est.steps[0][0] == "standardscaler"
    assert est[-1].solver == "liblinear"  # the user's settings stay
    svc = [c["estimator"] for c in suggest_configs(X, y, ["svc"], n=3, knowledge_base=kb)]
    assert all(e.steps[0][0] == "preprocess" for e in svc)  # scaled: the KB's scores are


@pytest.mark.parametrize("strategy", ["portfolio", "auto"])
def test_every_strategy_refuses_a_target_of_another_length(strategy):
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match=r"y: expected 50 values \(one per row of X\), got 49"):
        suggest_configs(X, y[:-1], n=2, strategy=strategy)


@pytest.mark.parametrize("estimator", [None, SVC()])
@pytest.mark.parametrize("strategy", ["auto", "embedding", "meta-features", "portfolio"])
def test_a_shorter_list_is_the_start_of_a_longer_one(kb, heldout_iris, estimator, strategy):
    """`suggest -n 3` shows the first 3 of `-n 10`: the portfolio's share is taken position
    by position, not in proportion to n (it used to move members between lists)."""
    X, y = heldout_iris.X, heldout_iris.y
    longest, _ = suggest_pairs(X, y, estimator, n=16, strategy=strategy, knowledge_base=kb)
    assert len(longest) == 16
    for n in range(1, 16):
        assert suggest_pairs(X, y, estimator, n=n, strategy=strategy,
                             knowledge_base=kb)[0] == longest[:n], n
