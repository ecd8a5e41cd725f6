"""A search space of lists (a grid): every configuration runs at most once."""
import numpy as np
import optuna
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from sklearn_meta.search import MetaSearchCV
from sklearn_meta.search.grid import REPEAT_ATTR, grid_size

X, y = load_iris(return_X_y=True)
GRID = {"C": [0.01, 0.1, 1, 10], "fit_intercept": [True, False]}


def _configs(search):
    return [(p["C"], p["fit_intercept"]) for p in search.cv_results_["params"]]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_budget_larger_than_the_grid_runs_each_configuration_once(n_jobs):
    search = MetaSearchCV(LogisticRegression(max_iter=500), GRID, n_trials=12, cv=3,
                          random_state=0, n_jobs=n_jobs)
    with pytest.warns(UserWarning, match="its grid has 8 configurations, fewer than "
                                         "n_trials=12; each runs once"):
        search.fit(X, y)
    assert sorted(_configs(search)) == sorted((c, f) for c in GRID["C"]
                                              for f in GRID["fit_intercept"])


@pytest.mark.parametrize("seed", range(4))
def test_repeated_proposals_are_not_fitted_again_nor_counted(seed):
    """TPE draws each list independently and proposes repeats; they are pruned (not fitted,
    not in cv_results_, not one of n_trials) and an untried configuration runs instead."""
    search = MetaSearchCV(LogisticRegression(max_iter=500), GRID, n_trials=6, cv=3,
                          random_state=seed, warm_start=None).fit(X, y)
    configs = _configs(search)
    assert len(configs) == 6 and len(set(configs)) == 6
    pruned = search.study_.get_trials(states=(optuna.trial.TrialState.PRUNED,))
    by_number = {t.number: t for t in search.study_.trials}
    for t in pruned:
        assert by_number[t.user_attrs[REPEAT_ATTR]].params == t.params
    assert len(search.study_.trials) == 6 + len(pruned)


def test_spaces_with_a_range_are_not_grids():
    search = MetaSearchCV(LogisticRegression(max_iter=500),
                          {"C": optuna.distributions.FloatDistribution(0.01, 10, log=True),
                           "fit_intercept": [True, False]}, n_trials=4, cv=3,
                          random_state=0).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert grid_size(search.study_.trials[0].distributions) is None
    assert grid_size({"a": optuna.distributions.CategoricalDistribution([1, 2, 3]),
                      "b": optuna.distributions.CategoricalDistribution(["x", "y"])}) == 6
    assert np.isfinite(search.best_score_)


def test_a_value_repeated_in_a_list_is_one_configuration():
    with pytest.warns(UserWarning, match="its grid has 2 configurations, fewer than "
                                         "n_trials=8; each runs once .2 trials."):
        search = MetaSearchCV(LogisticRegression(max_iter=500), {"C": [0.1, 1, 1]},
                              n_trials=8, cv=3, random_state=0).fit(X, y)
    assert sorted(p["C"] for p in search.cv_results_["params"]) == [0.1, 1]
    assert len(search.study_.trials) < 10  # not dozens of pruned repeats


def test_two_workers_never_fit_one_configuration_twice():
    """A configuration another worker is fitting counts as tried (before, two workers could
    both fit it, and another configuration of the grid never ran)."""
    from sklearn.ensemble import RandomForestClassifier

    for seed in (1, 3):
        search = MetaSearchCV(RandomForestClassifier(n_estimators=20, random_state=0),
                              {"max_depth": [2, 3], "min_samples_leaf": [1, 5]}, n_trials=4,
                              cv=3, random_state=seed, n_jobs=2, warm_start=None).fit(X, y)
        configs = [(p["max_depth"], p["min_samples_leaf"])
                   for p in search.cv_results_["params"]]
        assert sorted(configs) == [(2, 1), (2, 5), (3, 1), (3, 5)]


def test_an_interrupted_configuration_of_a_grid_runs_again_on_resume(tmp_path):
    """A trial stopped from outside (failed with no recorded cause) is neither finished nor
    a repeat: the resumed search fits its configuration."""
    storage = str(tmp_path / "grid.log")
    grid = {"C": [0.01, 0.1, 1, 10]}
    kw = dict(cv=3, random_state=0, warm_start=None, storage=storage, study_name="g")
    first = MetaSearchCV(LogisticRegression(max_iter=500), grid, n_trials=2, **kw).fit(X, y)
    untried = next(c for c in grid["C"] if c not in {p["C"] for p in
                                                     first.cv_results_["params"]})
    study = optuna.load_study(study_name="g", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(storage)))
    study.add_trial(optuna.trial.create_trial(
        state=optuna.trial.TrialState.FAIL, params={"C": untried},
        distributions={"C": optuna.distributions.CategoricalDistribution(grid["C"])}))
    resumed = MetaSearchCV(LogisticRegression(max_iter=500), grid, n_trials=4, **kw).fit(X, y)
    tried = [p["C"] for p in resumed.cv_results_["params"]]
    assert sorted(tried) == sorted(grid["C"])  # the interrupted one included, once
