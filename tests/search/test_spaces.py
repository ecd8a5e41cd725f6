"""Search spaces: fitting configurations into a caller's space."""
import pytest
from optuna.distributions import CategoricalDistribution as C
from optuna.distributions import FloatDistribution as F
from optuna.distributions import IntDistribution as I
from scipy.stats import loguniform, randint
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_meta.search.spaces import (family_of, fit_to_space, param_prefix,
                                        sample_configs, to_optuna_space)


def test_fit_to_space_clips_snaps_and_drops():
    space = {"C": F(0.1, 10, log=True), "n": I(2, 20, step=2), "w": C(["a", "b"]), "k": C([1, 3, 5])}
    out = fit_to_space({"C": 1e4, "n": 7.6, "w": "z", "k": 4.2, "unknown": 1}, space)
    assert out == {"C": 10.0, "n": 8, "k": 5}
    assert fit_to_space({"C": 0.001, "w": "b"}, space) == {"C": 0.1, "w": "b"}


def test_scipy_and_list_distributions_convert():
    space = to_optuna_space({"C": loguniform(1e-2, 1e2), "k": randint(1, 10), "w": ["x", "y"]})
    assert space["C"].log and space["C"].low == pytest.approx(1e-2)
    assert isinstance(space["k"], I) and isinstance(space["w"], C)
    with pytest.raises(ValueError, match="param_distributions\\['bad'\\]"):
        to_optuna_space({"bad": 3})


def test_families_and_pipelines():
    assert family_of(SVC()) == "svc"
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier())
    assert family_of(pipe) == "random_forest"
    assert param_prefix(pipe) == "randomforestclassifier__"
    with pytest.raises(ValueError, match="estimator"):
        family_of(StandardScaler())


def test_sample_configs_deterministic_and_in_bounds():
    space = {"C": F(0.1, 10, log=True), "k": I(1, 50, log=True)}
    a, b = sample_configs(space, 5, 3), sample_configs(space, 5, 3)
    assert a == b
    assert all(0.1 <= c["C"] <= 10 and 1 <= c["k"] <= 50 for c in a)


def test_metamlp_family_runs_the_estimators_defaults_with_the_scored_ensemble():
    """The search and the knowledge base score MetaMLP as a user fitting it gets it (a
    cheaper fixed setting would understate the family), but for the ensemble size: 3
    members, what the shipped knowledge bases scored, so the warm start reads scores of the
    models the search builds (the estimator's own default is now "auto")."""
    from sklearn_meta.estimators import MetaMLPClassifier, MetaMLPRegressor
    from sklearn_meta.search.spaces import FAMILIES

    fam = FAMILIES["metamlp"]
    for task_type, cls in (("classification", MetaMLPClassifier),
                           ("regression", MetaMLPRegressor)):
        est = fam.make(task_type, {"learning_rate": 1e-3}, random_state=3)
        defaults = cls().get_params()
        got = est.get_params()
        fixed = ("learning_rate", "random_state", "n_ensemble", "target_transform")
        assert {k: got[k] for k in defaults if k not in fixed} \
            == {k: v for k, v in defaults.items() if k not in fixed}
        assert got["n_ensemble"] == 3 and defaults["n_ensemble"] == "auto"
        if task_type == "regression":  # scored standardised; "auto" would cross-validate
            # every heavy-tailed trial again inside the search's own cross-validation
            assert got["target_transform"] == "standardize"
            assert defaults["target_transform"] == "auto"
        assert got["learning_rate"] == 1e-3 and got["random_state"] == 3
