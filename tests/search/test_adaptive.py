"""Adaptive warm start: the evidence rule, its Optuna callback and MetaSearchCV's default."""
import numpy as np
import optuna
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier

from sklearn_meta.search import KnowledgeBase, MetaSearchCV, adaptive_warm_start
from sklearn_meta.search.adaptive import adaptive_sequence, next_candidate
from sklearn_meta.search.portfolio import greedy_portfolio
from sklearn_meta.search.warm_start import CANDIDATE_ATTR, SOURCE_ATTR


def _two_kinds() -> np.ndarray:
    """Twelve "A" tasks in four groups, group g best on candidate g (0.5 on the other three of
    0-3, nothing on 4-5); one "B" task whose score grows with the candidate index. The
    greedy portfolio covers the A groups first (3, which B likes too, then 0, 1, 2) and
    reaches 5, B's best, last."""
    rows = []
    for g in range(4):
        a = [0.5, 0.5, 0.5, 0.5, 0.0, 0.0]
        a[g] = 1.0
        rows += [a] * 3
    rows.append([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    return np.array(rows)


def test_without_evidence_it_is_the_greedy_portfolio():
    rng = np.random.default_rng(0)
    M = rng.random((20, 15))
    seq = adaptive_sequence(M, n=6, oracle=lambda j: 0.5)  # flat scores: no evidence
    assert seq == greedy_portfolio(M, 6)


def test_scores_that_rank_like_a_minority_task_bring_its_favourite_forward():
    M = _two_kinds()
    assert greedy_portfolio(M, 5) == [3, 0, 1, 2, 5]
    own = np.linspace(0, 1, 6)  # the new task behaves like the B task
    assert adaptive_sequence(M, n=4, oracle=lambda j: own[j]) == [3, 0, 1, 5]
    # scores that rank like A group 0: the B task loses its weight, the portfolio order stands
    own_a = np.array([1.0, 0.5, 0.5, 0.5, 0.0, 0.0])
    assert adaptive_sequence(M, n=5, oracle=lambda j: own_a[j]) == [3, 0, 1, 2, 5]
    # and before MIN_OBSERVED scores there is no evidence at all
    assert adaptive_sequence(M, n=3, oracle=lambda j: own[j]) == [3, 0, 1]


def test_next_candidate_checks_its_inputs():
    M = _two_kinds()
    with pytest.raises(ValueError, match="observed"):
        next_candidate(M, [0, 1], [0.5])
    with pytest.raises(ValueError, match="prior"):
        next_candidate(M, [], [], prior=np.ones(3))
    assert next_candidate(M, [0, 1, 2], [1, 2, 3], exclude=[3, 4, 5]) is None


def _tiny_kb() -> KnowledgeBase:
    M = _two_kinds()
    kb = KnowledgeBase()
    kb.pool = {"knn": [{"n_neighbors": k} for k in (1, 3, 5, 9, 15, 25)]}
    kb.scores = {"knn": {f"t{i}": list(M[i]) for i in range(len(M))}}
    kb.tasks = {f"t{i}": {"task_type": "classification", "n_rows": 100, "n_features": 4,
                          "n_classes": 2, "meta_features": [], "embedding": None}
                for i in range(len(M))}
    return kb


def test_callback_enqueues_one_candidate_at_a_time_up_to_n():
    X, y = load_breast_cancer(return_X_y=True)
    study = optuna.create_study(direction="maximize")
    cb = adaptive_warm_start(study, X, y, ["knn"], n=4, knowledge_base=_tiny_kb())
    waiting = [t for t in study.get_trials() if t.state == optuna.trial.TrialState.WAITING]
    assert len(waiting) == 1  # the rest waits for scores
    seen = []

    def objective(trial):
        k = trial.suggest_int("knn__n_neighbors", 1, 50)
        seen.append(k)
        return float(k)  # behaves like the B task: larger k, better

    study.optimize(objective, n_trials=4, callbacks=[cb])
    warm = [t for t in study.trials if SOURCE_ATTR in t.user_attrs]
    assert len(warm) == 4
    assert len({t.user_attrs[CANDIDATE_ATTR] for t in warm}) == 4  # no repeats
    assert seen == [9, 1, 3, 25]  # the B task's favourite instead of the portfolio's 5
    cb(study, study.trials[-1])  # n reached: nothing more is enqueued
    assert not [t for t in study.get_trials() if t.state == optuna.trial.TrialState.WAITING]


def test_callback_queues_nothing_past_the_trial_budget():
    X, y = load_breast_cancer(return_X_y=True)
    TS = optuna.trial.TrialState

    def run(max_trials):
        study = optuna.create_study(direction="maximize")
        cb = adaptive_warm_start(study, X, y, ["knn"], n=4, knowledge_base=_tiny_kb(),
                                 max_trials=max_trials)
        study.optimize(lambda t: float(t.suggest_int("knn__n_neighbors", 1, 50)),
                       n_trials=2, callbacks=[cb])
        return [t.state for t in study.get_trials()]

    assert run(None) == [TS.COMPLETE, TS.COMPLETE, TS.WAITING]  # a trial that never runs
    assert run(2) == [TS.COMPLETE, TS.COMPLETE]


def test_callback_reads_minimised_studies_the_right_way_round():
    X, y = load_breast_cancer(return_X_y=True)
    study = optuna.create_study(direction="minimize")
    cb = adaptive_warm_start(study, X, y, ["knn"], n=4, knowledge_base=_tiny_kb())
    seen = []

    def loss(trial):
        k = trial.suggest_int("knn__n_neighbors", 1, 50)
        seen.append(k)
        return -float(k)  # lower loss with larger k: like the B task

    study.optimize(loss, n_trials=4, callbacks=[cb])
    assert seen == [9, 1, 3, 25]


def test_multi_objective_studies_are_refused():
    X, y = load_breast_cancer(return_X_y=True)
    study = optuna.create_study(directions=["maximize", "minimize"])
    with pytest.raises(ValueError, match="single-objective"):
        adaptive_warm_start(study, X, y, ["knn"], n=3, knowledge_base=_tiny_kb())


def test_metasearchcv_auto_is_adaptive_and_starts_from_the_default():
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]
    s = MetaSearchCV(HistGradientBoostingClassifier(), n_trials=5, n_warm_start=4, cv=3,
                     random_state=0).fit(X, y)
    assert list(s.cv_results_["warm_start"]) == [0, 1, 2, 3, -1]
    assert s.warm_start_params_[0]["learning_rate"] == pytest.approx(0.1)  # the default
    trials = sorted(s.study_.trials, key=lambda t: t.number)
    assert all(CANDIDATE_ATTR in t.user_attrs for t in trials[1:4])
    assert len({str(p) for p in s.warm_start_params_}) == 4


def test_existing_trials_equal_to_candidates_count_as_taken_without_hanging():
    """A queued or finished trial with a candidate's parameters (under any proposer) is not
    proposed again, and enqueue_trial's duplicate skipping cannot make the callback spin."""
    from sklearn.neighbors import KNeighborsClassifier

    X, y = load_breast_cancer(return_X_y=True)
    space = {"n_neighbors": optuna.distributions.IntDistribution(1, 50)}
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.enqueue_trial({"n_neighbors": 9})  # = candidate 3, the portfolio's first
    cb = adaptive_warm_start(study, X, y, KNeighborsClassifier(), n=4, n_waiting=3,
                             knowledge_base=_tiny_kb(), search_space=space)
    queued = [t.system_attrs["fixed_params"] for t in study.get_trials()
              if t.state == optuna.trial.TrialState.WAITING]
    assert queued[:2] == [{"n_neighbors": 9}, {"n_neighbors": 5}]  # user's, then the default
    assert len(queued) == 3 and {"n_neighbors": 9} not in queued[2:]
    study.optimize(lambda t: float(t.suggest_int("n_neighbors", 1, 50)), n_trials=5,
                   callbacks=[cb])  # the user's trial and 4 warm-start trials
    ks = [t.params["n_neighbors"] for t in study.trials]
    assert len(ks) == len(set(ks)) == 5


def test_a_second_warm_start_on_the_same_study_reads_candidates_by_key():
    """Trials tagged by an earlier callback (another candidate list) must not be read by
    column number: a narrower space in a second call works and re-proposes nothing."""
    X, y = load_breast_cancer(return_X_y=True)
    kb = _tiny_kb()
    study = optuna.create_study(direction="maximize")

    def objective(trial):
        return float(trial.suggest_int("knn__n_neighbors", 1, 50))

    study.optimize(objective, n_trials=4,
                   callbacks=[adaptive_warm_start(study, X, y, ["knn"], n=4, knowledge_base=kb)])
    from sklearn.neighbors import KNeighborsClassifier

    study2 = optuna.create_study(direction="maximize")
    for t in study.trials:
        study2.add_trial(optuna.trial.create_trial(
            params={"n_neighbors": t.params["knn__n_neighbors"]},
            distributions={"n_neighbors": optuna.distributions.IntDistribution(1, 50)},
            value=t.value, user_attrs=t.user_attrs))
    kb.pool = {"knn": [{"n_neighbors": k} for k in (1, 3)]}
    kb.scores = {"knn": {t: v[:2] for t, v in kb.scores["knn"].items()}}
    cb = adaptive_warm_start(study2, X, y, KNeighborsClassifier(), n=6, knowledge_base=kb,
                             search_space={"n_neighbors": optuna.distributions.IntDistribution(
                                 1, 50)})
    study2.optimize(lambda t: float(t.suggest_int("n_neighbors", 1, 50)), n_trials=2,
                    callbacks=[cb])
    new_warm = [t.params["n_neighbors"] for t in study2.trials[4:]
                if SOURCE_ATTR in t.user_attrs]
    assert new_warm == [5]  # the default; both candidates (1, 3) had run already


def test_warm_start_params_lists_only_trials_that_ran():
    """Warm trials still queued when the budget (or MetaSearchCV's timeout) ends never ran
    and are not listed."""
    from sklearn_meta.search.results import warm_start_params_that_ran

    X, y = load_breast_cancer(return_X_y=True)
    study = optuna.create_study(direction="maximize")
    cb = adaptive_warm_start(study, X, y, ["knn"], n=5, knowledge_base=_tiny_kb())
    study.optimize(lambda t: float(t.suggest_int("knn__n_neighbors", 1, 50)), n_trials=3,
                   callbacks=[cb])
    assert [t.state for t in study.get_trials()][-1] == optuna.trial.TrialState.WAITING
    ran = warm_start_params_that_ran(study)
    assert len(ran) == 3 and all(ran)


def test_knowledge_bases_with_users_studies_keep_the_static_auto_list():
    """The adaptive rule proposes pool candidates only; a knowledge base that holds a user's
    own study gets the static strategy="auto" list, which draws on that study."""
    from sklearn.neighbors import KNeighborsClassifier

    X, y = load_breast_cancer(return_X_y=True)
    past = optuna.create_study(direction="maximize")
    for k, v in ((37, 0.97), (41, 0.96), (2, 0.80)):
        past.add_trial(optuna.trial.create_trial(
            params={"n_neighbors": k},
            distributions={"n_neighbors": optuna.distributions.IntDistribution(1, 50)},
            value=v))
    kb = KnowledgeBase()
    kb.add_study(past, X, y, KNeighborsClassifier(), "my_past_task")
    study = optuna.create_study(direction="maximize")
    cb = adaptive_warm_start(study, X, y, KNeighborsClassifier(), n=3, knowledge_base=kb)
    queued = [t.system_attrs["fixed_params"]["n_neighbors"] for t in study.get_trials()]
    assert queued == [5, 37, 41]  # the default, then the user's best configurations
    assert cb.step(study) == []


def test_ask_and_tell_users_call_step_after_each_tell():
    X, y = load_breast_cancer(return_X_y=True)
    study = optuna.create_study(direction="maximize")
    cb = adaptive_warm_start(study, X, y, ["knn"], n=4, knowledge_base=_tiny_kb())
    seen = []
    for _ in range(4):
        trial = study.ask()
        k = trial.suggest_int("knn__n_neighbors", 1, 50)
        seen.append(k)
        study.tell(trial, float(k))
        cb.step(study)
    assert seen == [9, 1, 3, 25]  # as with study.optimize(callbacks=[cb])


def test_similar_tasks_name_the_past_tasks_the_evidence_weights():
    X, y = load_breast_cancer(return_X_y=True)
    study = optuna.create_study(direction="maximize")
    cb = adaptive_warm_start(study, X, y, ["knn"], n=4, knowledge_base=_tiny_kb())
    assert cb.similar_tasks(study) == []  # no scores yet
    study.optimize(lambda t: float(t.suggest_int("knn__n_neighbors", 1, 50)), n_trials=4,
                   callbacks=[cb])
    top = cb.similar_tasks(study, k=3)
    assert top[0][0] == "t12" and top[0][1] > 0.5  # the B task: larger k, better
    assert len(top) == 3 and top[0][1] >= top[1][1] >= top[2][1]


def test_a_prior_on_the_minority_task_brings_its_favourite_first():
    from sklearn_meta.search.warm_start import AdaptiveWarmStart

    M = _two_kinds()
    cands = [("knn", {"n_neighbors": k}) for k in (1, 3, 5, 9, 15, 25)]
    prior = np.r_[np.full(12, 1e-6), 1.0]  # the new task is near the B task
    study = optuna.create_study(direction="maximize")
    AdaptiveWarmStart(cands, M, 1, single=False, prior=prior).step(study)
    assert study.get_trials()[0].system_attrs["fixed_params"]["knn__n_neighbors"] == 25
    study = optuna.create_study(direction="maximize")
    AdaptiveWarmStart(cands, M, 1, single=False).step(study)  # equal weights: portfolio's 9
    assert study.get_trials()[0].system_attrs["fixed_params"]["knn__n_neighbors"] == 9


def test_a_kb_that_chose_a_similarity_prior_weighs_past_tasks_by_it():
    from sklearn_meta.search import load_default_kb
    from sklearn_meta.search.suggest import neighbours_for
    from sklearn_meta.search.warm_start import adaptive_prior

    kb = load_default_kb("classification")
    X, y = load_breast_cancer(return_X_y=True)
    names = [t for t in kb.task_names if kb.tasks[t]["task_type"] == "classification"]
    assert adaptive_prior(X, y, kb, "classification", names) is None  # shipped: equal
    import copy

    kb = copy.deepcopy(kb)  # the shipped one is cached: leave it as loaded
    kb.info["adaptive_prior"] = {"kind": "meta-features", "temperature": 0.5}
    prior = adaptive_prior(X, y, kb, "classification", names)
    assert prior.shape == (len(names),) and np.all((prior >= 0) & (prior <= 1))
    nearest = neighbours_for(X, y, kb, "meta-features", "classification").names[0]
    assert prior[names.index(nearest)] == pytest.approx(1.0)
