"""How "auto" mixes neighbours and portfolio: chosen per knowledge base by leave-one-out."""
import numpy as np
import pytest
from sklearn.datasets import load_diabetes

from sklearn_meta.search.composition import choose_portfolio_share
from sklearn_meta.search.knowledge_base import DEFAULT_KBS, KnowledgeBase, load_default_kb
from sklearn_meta.search.suggest import PORTFOLIO_SHARE, suggest_pairs


def _two_cluster_kb() -> KnowledgeBase:
    """20 tasks in two groups told apart by their meta-features; group A's best candidate
    is knn[1], group B's knn[2]: a single portfolio member suits only one group."""
    rng = np.random.default_rng(0)
    kb = KnowledgeBase(pool={"knn": [{}, {"n_neighbors": 3}, {"n_neighbors": 15},
                                     {"n_neighbors": 30}]},
                       meta_feature_names=["a", "b"])
    kb.scores["knn"] = {}
    for i in range(20):
        group = i % 2
        mf = [group + 0.05 * rng.normal(), group + 0.05 * rng.normal()]
        name = f"synthetic-{i}"
        kb.tasks[name] = {"task_type": "classification", "n_rows": 100, "n_features": 2,
                          "n_classes": 2, "meta_features": mf, "embedding": None}
        scores = [0.2, 1.0, 0.5, 0.4] if group == 0 else [0.2, 0.5, 1.0, 0.4]
        kb.scores["knn"][name] = list(np.add(scores, 0.01 * rng.random(4)))
    return kb


def test_informative_neighbours_win_leave_one_out():
    kb = _two_cluster_kb()
    # from a portfolio-only default, the neighbours are clearly better: the choice moves
    res = choose_portfolio_share(kb, n=1, default=1.0)
    assert res["kind"] == "meta-features" and res["n_tasks"] == 20
    assert res["share"] == 0.0 and "better than the default" in res["chosen_by"]
    assert res["regret"][0.0] < 0.05 < res["regret"][1.0]
    # with one suggestion, shares 0 to 2/3 all start with the neighbours: a tie keeps the
    # default rather than chasing noise
    same = choose_portfolio_share(kb, n=1, default=1 / 3)
    assert same["share"] == 1 / 3 and same["chosen_by"].startswith("default")


def test_tiny_kb_keeps_the_default():
    kb = _two_cluster_kb()
    for name in list(kb.tasks)[5:]:
        del kb.tasks[name]
    res = choose_portfolio_share(kb, n=1, default=0.25)
    assert res["share"] == 0.25 and "default" in res["chosen_by"]


@pytest.mark.parametrize("task_type", ["classification", "regression"])
def test_shipped_kbs_store_their_reproducible_choice(task_type):
    if not DEFAULT_KBS[task_type].exists():
        pytest.fail(f"{DEFAULT_KBS[task_type]} is not built")
    kb = load_default_kb(task_type)
    stored = kb.info["auto_portfolio_share"]
    assert choose_portfolio_share(kb, task_type)["share"] == pytest.approx(stored)
    if task_type == "regression":
        X, y = load_diabetes(return_X_y=True)
        _, auto = suggest_pairs(X, y, None, n=6, strategy="auto")
        _, mf = suggest_pairs(X, y, None, n=6, strategy="meta-features")
        assert auto["portfolio_share"] == pytest.approx(stored)
        assert mf["portfolio_share"] == pytest.approx(PORTFOLIO_SHARE)


def test_a_similarity_prior_for_the_adaptive_rule_is_chosen_when_neighbours_inform():
    from sklearn_meta.search.composition import choose_adaptive_prior

    kb = _two_cluster_kb()
    res = choose_adaptive_prior(kb, n=1)  # equal weights start with one group's favourite
    assert res["n_tasks"] == 20 and res["temperature"] is not None
    assert res["regret"][res["temperature"]] < 0.05 < res["regret"][None]
    assert "better than equal weights" in res["chosen_by"]


def test_uninformative_meta_features_keep_equal_weights():
    from sklearn_meta.search.composition import choose_adaptive_prior

    kb = _two_cluster_kb()
    rng = np.random.default_rng(1)
    for t in kb.tasks.values():  # meta-features that say nothing about the group
        t["meta_features"] = list(rng.normal(size=2))
    # (with one look-up, leave-one-out makes equal weights pick the other group's favourite
    # every time; with two they cover both groups, and a prior has nothing to add)
    res = choose_adaptive_prior(kb, n=2)
    assert res["temperature"] is None and res["chosen_by"].startswith("equal weights")


@pytest.mark.parametrize("task_type", ["classification", "regression"])
def test_shipped_kbs_store_their_reproducible_adaptive_prior(task_type):
    from sklearn_meta.search.composition import adaptive_prior_info, choose_adaptive_prior

    kb = load_default_kb(task_type)
    stored = kb.info["adaptive_prior"]
    choice = choose_adaptive_prior(kb, task_type)
    # shipped as built by `build-kb --adaptive-prior off`: equal weights, evidence kept
    assert stored == adaptive_prior_info(choice, adopt=False)
    assert stored["temperature"] is None and stored["kind"] is None
    assert adaptive_prior_info(choice)["temperature"] == choice["temperature"]


def test_interleave_takes_the_share_position_by_position():
    from sklearn_meta.search.composition import compose, from_second

    assert [from_second(j, 1 / 3) for j in range(9)] == [False, False, True] * 3
    assert not any(from_second(j, 0.0) for j in range(20))
    assert all(from_second(j, 1.0) for j in range(20))
    first, port = [f"n{i}" for i in range(10)], ["p0", "n1", "p1", "p2"]
    # a duplicate is skipped without using up the position; a source that runs out is
    # replaced by the other
    assert compose(first, port, 9, 1 / 3) == ["n0", "n1", "p0", "n2", "n3", "p1", "n4", "n5",
                                               "p2"]
    assert compose(first, port, 12, 1 / 3)[9:] == ["n6", "n7", "n8"]
    assert compose(first[:2], port, 6, 0.0) == ["n0", "n1", "p0", "p1", "p2"]
    for n in range(1, 14):  # every prefix is the shorter list
        assert compose(first, port, n, 1 / 3) == compose(first, port, 13, 1 / 3)[:n]
