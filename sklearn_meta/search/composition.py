"""How ``strategy="auto"`` composes its list, chosen per knowledge base by leave-one-task-out.

The suggestions after the estimator's default are the neighbours' best configurations and the
greedy portfolio's members. Which mix transfers best depends on the knowledge base (on
uci121's classification tasks neighbours, portfolio and mixes are indistinguishable; on its
derived regression tasks the portfolio alone is clearly better), so ``build-kb`` measures it
on the knowledge base's own tasks when it exports: every task in turn is left out with every
task sharing its rows, the neighbour space and portfolio are rebuilt from the rest, and the
first ``n`` suggestions of each portfolio share are looked up in the left-out task's pool
scores. The default share (a third) stays unless another beats it by more than one paired
standard error (:func:`choose_portfolio_share`); the choice is stored in ``kb.info`` and read
by :func:`~sklearn_meta.search.suggest.suggest_pairs`.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

import numpy as np

from ..datasets.derived import source_name
from ..datasets.twins import same_data_names
from .knowledge_base import KnowledgeBase
from .neighbours import _Space
from .portfolio import greedy_portfolio

T = TypeVar("T")

#: Portfolio shares compared (0: neighbours only, 1: portfolio only).
SHARES = (0.0, 1 / 3, 2 / 3, 1.0)
#: Minimum number of tasks for a leave-one-task-out choice; below it the default stays.
MIN_TASKS = 8


def from_second(position: int, share: float) -> bool:
    """Whether list position ``position`` (from 0) holds a member of the second source when
    a ``share`` of the list comes from it: the positions where ``floor((j + 1) * share)``
    steps up. Every prefix holds its share (rounded down), so a list of ``n`` is the first
    ``n`` of a longer one (with a third: neighbour, neighbour, portfolio, ...)."""
    eps = 1e-9  # 3 * (1/3) must count as 1
    return int(np.floor((position + 1) * share + eps)) > int(np.floor(position * share + eps))


def interleave(first: Iterable[T], second: Iterable[T], share: float,
               accept: Callable[[T], bool], n: int) -> int:
    """Offer items of ``first`` and ``second`` to ``accept`` (which returns whether it took
    the item, e.g. False for a duplicate) until ``n`` are taken or both run out; the
    ``j``-th taken item comes from ``second`` where :func:`from_second` says so, from the
    other source once one runs out. Returns the number taken."""
    sources = (iter(first), iter(second))
    exhausted = [False, False]
    taken = 0
    while taken < n and not all(exhausted):
        src = 1 if from_second(taken, share) else 0
        if exhausted[src]:
            src = 1 - src
        try:
            item = next(sources[src])
        except StopIteration:
            exhausted[src] = True
            continue
        if accept(item):
            taken += 1
    return taken


def compose(first: Sequence[T], portfolio: Sequence[T], n: int, share: float) -> list[T]:
    """``first`` (the neighbours' ranking) with ``portfolio`` members at a ``share`` of the
    positions, deduplicated, as ``suggest_pairs`` composes its list."""
    out: list[T] = []
    seen: set = set()

    def accept(item: T) -> bool:
        if item in seen:
            return False
        seen.add(item)
        out.append(item)
        return True

    interleave(first, portfolio, share, accept, n)
    return out


def loo_share_regret(kb: KnowledgeBase, task_type: str = "classification", n: int = 10,
                     shares: tuple[float, ...] = SHARES) -> dict[str, Any]:
    """Leave-one-task-out mean regret after ``n`` suggestions for each portfolio share.

    Neighbours are found as ``strategy="auto"`` finds them (the stored embeddings when the
    knowledge base has them, else meta-features) over all remaining tasks, weighted by
    similarity. Returns ``{"kind", "n_tasks", "regret": {share: mean}, "se": {share: s.e.}}``.
    """
    from .suggest import _neighbour_ranking

    names = [t for t in kb.task_names if kb.tasks[t]["task_type"] == task_type]
    families = sorted(kb.pool)
    cands, _, P = kb.pool_matrix(None, names)
    emb = kb.embedding_matrix()
    if emb is not None and set(names) <= set(emb[0]):
        kind, (snames, S) = "embedding", emb
    else:
        kind, (snames, S) = "meta-features", kb.meta_feature_matrix(names)
    key_of = {c: kb.dedup_key(c[0], kb.pool[c[0]][c[1]]) for c in cands}
    regrets: dict[float, list[float]] = {s: [] for s in shares}
    for i, t in enumerate(names):
        drop = same_data_names(t)
        rest = [j for j, u in enumerate(names) if source_name(u) not in drop]
        keep = [j for j, u in enumerate(snames) if source_name(u) not in drop]
        if not rest or len(keep) < 2:
            continue
        own = {key_of[c]: P[i, j] for j, c in enumerate(cands) if np.isfinite(P[i, j])}
        port = [key_of[cands[j]] for j in greedy_portfolio(P[rest], n + 10)]
        nb = _Space([snames[j] for j in keep], S[keep], kind).query(S[snames.index(t)])
        ranked = [kb.dedup_key(f, c) for f, c in
                  _neighbour_ranking(kb, nb, families, task_type, None)]
        for s in shares:
            lst = compose(ranked, port, n, s)
            regrets[s].append(1.0 - max((own.get(k, 0.0) for k in lst), default=0.0))
    n_tasks = len(regrets[shares[0]])
    return {"kind": kind, "n_tasks": n_tasks,
            "per_task": {s: np.asarray(v) for s, v in regrets.items()},
            "regret": {s: float(np.mean(v)) if v else float("nan") for s, v in regrets.items()},
            "se": {s: float(np.std(v, ddof=1) / np.sqrt(len(v))) if len(v) > 1
                   else float("nan") for s, v in regrets.items()}}


def choose_portfolio_share(kb: KnowledgeBase, task_type: str = "classification",
                           n: int = 10, default: float = 1 / 3) -> dict[str, Any]:
    """The portfolio share for ``strategy="auto"``, by leave-one-task-out regret after ``n``
    suggestions.

    ``default`` stays unless another share beats it by more than one standard error of the
    paired per-task difference (so noise between near-equal shares does not flip the
    choice); among the shares that do, the lowest regret wins. ``default`` also stays for a
    knowledge base of fewer than :data:`MIN_TASKS` tasks. Returns the share with the
    evidence behind it (``per_task`` regrets are not meant for storage).
    """
    res = loo_share_regret(kb, task_type, n, tuple(sorted(set(SHARES) | {default})))
    if res["n_tasks"] < MIN_TASKS:
        return {"share": default, "chosen_by": f"default (fewer than {MIN_TASKS} tasks)",
                **res}
    base = res["per_task"][default]
    better = []
    for s, v in res["per_task"].items():
        d = base - v  # > 0: share s has lower regret than the default
        se = float(np.std(d, ddof=1) / np.sqrt(len(d))) if len(d) > 1 else np.inf
        if s != default and d.mean() > se:
            better.append(s)
    if not better:
        return {"share": float(default), "chosen_by": f"default: no share beats it by more "
                f"than one paired standard error (leave-one-task-out regret@{n})", **res}
    best = min(better, key=lambda s: (res["regret"][s], s))
    return {"share": float(best), "chosen_by": f"leave-one-task-out regret@{n}, better than "
            f"the default by more than one paired standard error", **res}


#: Temperatures of the similarity prior compared for the adaptive rule (``T`` in
#: ``exp(-(d - d_min) / (T * tau))``, ``tau`` the median nearest-neighbour distance).
PRIOR_TEMPERATURES = (0.5, 1.0, 2.0, 4.0)
#: Paired standard errors by which a prior must beat equal weights to be adopted (two, not
#: one as for the portfolio share: the best of four temperatures is an optimistic pick).
PRIOR_MIN_SE = 2.0


def loo_adaptive_prior_regret(kb: KnowledgeBase, task_type: str = "classification",
                              n: int = 10,
                              temperatures: tuple[float, ...] = PRIOR_TEMPERATURES
                              ) -> dict[str, Any]:
    """Leave-one-task-out regret after ``n`` look-ups of the adaptive rule
    (:func:`~sklearn_meta.search.adaptive.adaptive_sequence`) with equal prior weights
    (``None``) and with a meta-feature similarity prior at each temperature.

    Every task that is not a variant (``build-kb --augment``) is left out in turn with every
    task sharing its rows; the meta-feature space (scaling, ``tau``) is rebuilt from the rest.
    Meta-features only: the stored embeddings come from an encoder trained on these same
    tasks' scores, so a leave-one-task-out measure of them would be optimistic.
    Returns ``{"n_tasks", "per_task": {T or None: regrets}, "regret", "se"}``.
    """
    from ..datasets.augment import AUGMENT_SEP
    from .adaptive import adaptive_sequence, similarity_prior

    names = [t for t in kb.task_names if kb.tasks[t]["task_type"] == task_type]
    _, _, P = kb.pool_matrix(None, names)
    snames, S = kb.meta_feature_matrix(names)
    keys: tuple = (None, *temperatures)
    regrets: dict[Any, list[float]] = {k: [] for k in keys}
    for i, t in enumerate(names):
        if AUGMENT_SEP in t:  # variants are knowledge, not test cases
            continue
        drop = same_data_names(t)
        rest = [j for j, u in enumerate(names) if source_name(u) not in drop]
        keep = [j for j, u in enumerate(snames) if source_name(u) not in drop]
        if len(rest) < 2 or len(keep) < 2:
            continue
        own = np.where(np.isfinite(P[i]), P[i], 0.0)
        space = _Space([snames[j] for j in keep], S[keep], "meta-features")
        nb = space.query(S[snames.index(t)])
        dist = dict(zip(nb.names, nb.distances))
        d_rest = np.array([dist.get(names[j], np.inf) for j in rest])
        for k in keys:
            prior = None if k is None else similarity_prior(d_rest, space.tau, k)
            seq = adaptive_sequence(P[rest], n=n, prior=prior, oracle=lambda j: own[j])
            regrets[k].append(1.0 - max((own[j] for j in seq), default=0.0))
    n_tasks = len(regrets[None])
    return {"n_tasks": n_tasks, "per_task": {k: np.asarray(v) for k, v in regrets.items()},
            "regret": {k: float(np.mean(v)) if v else float("nan")
                       for k, v in regrets.items()},
            "se": {k: float(np.std(v, ddof=1) / np.sqrt(len(v))) if len(v) > 1
                   else float("nan") for k, v in regrets.items()}}


def choose_adaptive_prior(kb: KnowledgeBase, task_type: str = "classification",
                          n: int = 10) -> dict[str, Any]:
    """Whether ``MetaSearchCV``'s adaptive warm start starts from a meta-feature similarity
    prior over the past tasks, and at which temperature, by leave-one-task-out regret after
    ``n`` look-ups (:func:`loo_adaptive_prior_regret`). Equal weights stay unless a
    temperature beats them by more than :data:`PRIOR_MIN_SE` paired standard errors; among
    those that do, the lowest regret wins. Returns ``{"temperature": T or None,
    "chosen_by", ...evidence}``.
    """
    res = loo_adaptive_prior_regret(kb, task_type, n)
    if res["n_tasks"] < MIN_TASKS:
        return {"temperature": None, "chosen_by": f"equal weights (fewer than {MIN_TASKS} "
                f"tasks)", **res}
    base = res["per_task"][None]
    better = []
    for k, v in res["per_task"].items():
        if k is None:
            continue
        d = base - v  # > 0: the prior lowers the regret
        se = float(np.std(d, ddof=1) / np.sqrt(len(d))) if len(d) > 1 else np.inf
        if d.mean() > PRIOR_MIN_SE * se:
            better.append(k)
    if not better:
        return {"temperature": None, "chosen_by": f"equal weights: no similarity prior beats "
                f"them by more than {PRIOR_MIN_SE:g} paired standard errors "
                f"(leave-one-task-out regret@{n})", **res}
    best = min(better, key=lambda k: (res["regret"][k], k))
    return {"temperature": float(best), "chosen_by": f"leave-one-task-out regret@{n}, better "
            f"than equal weights by more than {PRIOR_MIN_SE:g} paired standard errors", **res}


def adaptive_prior_info(choice: Mapping[str, Any], n: int = 10, adopt: bool = True
                        ) -> dict[str, Any]:
    """The part of :func:`choose_adaptive_prior`'s result stored in ``kb.info``; with
    ``adopt=False`` (``build-kb --adaptive-prior off``, the default) the evidence is kept but
    the adaptive rule keeps equal weights."""
    def label(k: Any) -> str:
        return "equal" if k is None else f"T={k:g}"

    temperature = choice["temperature"] if adopt else None
    chosen_by = choice["chosen_by"] if adopt else (
        "equal weights (build-kb --adaptive-prior off); leave-one-task-out alone would "
        f"choose {label(choice['temperature'])}: {choice['chosen_by']}")
    return {"kind": None if temperature is None else "meta-features",
            "temperature": temperature, "chosen_by": chosen_by,
            "n_tasks": choice["n_tasks"],
            f"mean_regret_at_{n}": {label(k): round(v, 5) for k, v in choice["regret"].items()
                                    if np.isfinite(v)},
            "standard_error": {label(k): round(v, 5) for k, v in choice["se"].items()
                               if np.isfinite(v)}}
