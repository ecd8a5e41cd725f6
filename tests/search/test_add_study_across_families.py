"""KnowledgeBase.add_study on studies of MetaSearchCV across families: each trial goes to
its own family (a RandomForest trial must not become a HistGradientBoosting configuration),
and the same study added twice, also after saving, counts once."""
from __future__ import annotations

import optuna
import pytest
from sklearn.datasets import load_breast_cancer

from sklearn_meta.search.knowledge_base import KnowledgeBase
from sklearn_meta.search.search_cv import MetaSearchCV


@pytest.fixture(scope="module")
def study_across_families():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::2], y[::2]
    search = MetaSearchCV(["knn", "logistic_regression"], n_trials=6, cv=2,
                          random_state=0).fit(X, y)
    return search.study_, X, y


def _trials_by_family(study):
    out: dict[str, list[tuple[dict, float]]] = {}
    for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
        fam = t.params["estimator"]
        cfg = {k.split("__", 1)[1]: v for k, v in t.params.items() if k != "estimator"}
        out.setdefault(fam, []).append((cfg, t.value))
    return out


def test_each_trial_goes_to_its_own_family(study_across_families, tmp_path):
    study, X, y = study_across_families
    by_family = _trials_by_family(study)
    assert set(by_family) == {"knn", "logistic_regression"}  # both were tried

    kb = KnowledgeBase.load()
    assert kb.add_study(study, X, y, "knn", "mine") == len(by_family["knn"])
    assert {r.family for r in kb.extra} == {"knn"}
    assert sorted(r.score for r in kb.extra) == sorted(v for _, v in by_family["knn"])
    assert all("C" not in r.config for r in kb.extra)  # no logistic-regression parameter

    kb = KnowledgeBase.load()
    n = sum(len(v) for v in by_family.values())
    assert kb.add_study(study, X, y, None, "mine") == n  # every family of the study
    for fam, trials in by_family.items():
        got = sorted(round(r.score, 9) for r in kb.extra if r.family == fam)
        assert got == sorted(round(v, 9) for _, v in trials)
    path = kb.save(tmp_path / "mine.kb.json.gz")
    again = KnowledgeBase.load(path)
    with pytest.warns(UserWarning, match="nothing added"):
        assert again.add_study(study, X, y, None, "mine") == 0  # scores saved rounded

    with pytest.raises(ValueError, match=r"no finished trial of the 'svc' family; it "
                                         r"searched \['knn', 'logistic_regression'\]"):
        KnowledgeBase.load().add_study(study, X, y, "svc", "other")


def test_a_single_family_study_needs_its_estimator(study_across_families):
    _, X, y = study_across_families
    single = optuna.create_study(direction="maximize")
    single.optimize(lambda t: t.suggest_int("n_neighbors", 1, 30) / 100, n_trials=2)
    with pytest.raises(ValueError, match="estimator: name the estimator the study tuned"):
        KnowledgeBase.load().add_study(single, X, y, None, "mine")
    assert KnowledgeBase.load().add_study(single, X, y, "knn", "mine") == 2


@pytest.mark.parametrize("kind", ["meta-features", "embedding"])
def test_an_added_task_is_at_distance_zero_from_its_own_data(kind):
    """A table larger than the knowledge base's sub-sample is described on the same rows as
    a query on it (it was described on all its rows: the user's own task came out at a
    distance of 0.375 in the embedding, behind nothing only by luck)."""
    from sklearn_meta.search.suggest import default_embedder, neighbours_for

    X, y = load_breast_cancer(return_X_y=True)  # 569 rows > the 300 the KB describes
    kb = KnowledgeBase.load()
    assert kb.info["subsample_rows"] < len(y)
    single = optuna.create_study(direction="maximize")
    single.optimize(lambda t: t.suggest_int("n_neighbors", 1, 30) / 100, n_trials=1)
    kb.add_study(single, X, y, "knn", "mine")
    assert kb.tasks["mine"]["n_rows"] == len(y)
    nb = neighbours_for(X, y, kb, kind, "classification",
                        default_embedder() if kind == "embedding" else None)
    assert nb.names[0] == "mine" and nb.distances[0] == pytest.approx(0.0, abs=1e-9)


def test_failed_fits_other_metrics_and_out_of_space_values_are_not_stored():
    """From a review: a trial whose fits failed (scored a numeric error_score) was stored as
    a real score; a study of another metric (neg_log_loss) went into an accuracy knowledge
    base; values outside the family space were stored and later collapsed into one
    configuration carrying the best of their scores."""
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression

    X, y = load_wine(return_X_y=True)
    # an unknown solver fails every fit: those trials score error_score=0.0
    search = MetaSearchCV(LogisticRegression(max_iter=200), cv=2, n_trials=4, random_state=0,
                          error_score=0.0,
                          param_distributions={"C": [0.1, 1.0],
                                               "solver": ["lbfgs", "no-such-solver"]})
    with pytest.warns(UserWarning):
        search.fit(X, y)
    failed = [t for t in search.study_.trials if "fit_error" in t.user_attrs]
    assert failed and all(t.value == 0.0 for t in failed)
    kb = KnowledgeBase.load()
    with pytest.warns(UserWarning, match=r"trial\(s\) whose fits failed \(scored "
                                         r"error_score\) skipped"):
        kb.add_study(search.study_, X, y, "logistic_regression", "wine")
    assert kb.extra and all(r.score > 0.5 for r in kb.extra)

    nll = MetaSearchCV("knn", n_trials=2, cv=2, scoring="neg_log_loss", random_state=0)
    nll.fit(X, y)
    with pytest.raises(ValueError, match=r"it maximised 'neg_log_loss', but this knowledge "
                                         r"base holds accuracy scores"):
        KnowledgeBase.load().add_study(nll.study_, X, y, "knn", "wine")
    plain = optuna.create_study(direction="maximize")  # no record of its metric: the range
    plain.optimize(lambda t: -0.2 - t.suggest_int("n_neighbors", 1, 30) / 100, n_trials=3)
    with pytest.raises(ValueError, match=r"not accuracies in \[0, 1\]"):
        KnowledgeBase.load().add_study(plain, X, y, "knn", "wine")

    wide = optuna.create_study(direction="maximize")
    for n, score in [(64, 0.9), (300, 0.95), (400, 0.97)]:  # the RF space ends at 128
        wide.add_trial(optuna.trial.create_trial(
            params={"n_estimators": n},
            distributions={"n_estimators": optuna.distributions.IntDistribution(16, 400)},
            value=score))
    kb = KnowledgeBase.load()
    with pytest.warns(UserWarning, match=r"2 trial\(s\) with values outside the family's "
                                         r"search space skipped \(e.g. n_estimators=300"):
        assert kb.add_study(wide, X, y, "random_forest", "wine") == 1
    assert [(r.config, r.score) for r in kb.extra] == [({"n_estimators": 64}, 0.9)]


def test_the_same_rows_in_another_container_are_the_same_data():
    from sklearn.datasets import load_wine

    import pandas as pd

    X, y = load_wine(return_X_y=True)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    kb = KnowledgeBase.load()
    one = optuna.create_study(direction="maximize")
    one.optimize(lambda t: 0.5 + t.suggest_int("n_neighbors", 1, 30) / 100, n_trials=2)
    two = optuna.create_study(direction="maximize")
    two.optimize(lambda t: 0.6 + t.suggest_int("n_neighbors", 1, 30) / 100, n_trials=2)
    kb.add_study(one, X, y, "knn", "mywine")
    assert kb.add_study(two, frame, pd.Series(y, name="class"), "knn", "mywine") == 2
    with pytest.raises(ValueError, match="was added with other data"):
        kb.add_study(two, X[::-1], y[::-1], "knn", "mywine")


def test_a_study_on_the_same_data_leads_the_suggestions(study_across_families):
    """The user's own study of these very rows (distance 0) was one vote among 78
    similarity-weighted tasks (about 6 % of the weight), so its best configurations did not
    lead a list across families."""
    from sklearn_meta.search.suggest import suggest_pairs

    study, X, y = study_across_families
    kb = KnowledgeBase.load()
    kb.add_study(study, X, y, None, "mine")
    pairs, info = suggest_pairs(X, y, None, n=3, knowledge_base=kb)  # every family
    assert info["neighbours"][0] == "mine" and info["distances"][0] == 0
    best = max(kb.extra, key=lambda r: r.score)
    fam, cfg = pairs[0]
    assert fam == best.family and all(cfg[k] == pytest.approx(v) for k, v in best.config.items())
