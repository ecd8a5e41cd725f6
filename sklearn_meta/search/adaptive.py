"""Adaptive warm start: the next configuration to try, given the scores seen so far.

A static warm-start list is fixed before the first trial. Once a few candidates have been
scored on the new task, their scores say which past tasks behave like it: a past task whose
normalised scores rank the tried candidates as the new task does is a better guide than one
that ranks them the other way round. Each knowledge-base task ``t`` gets the weight

    w_t  ∝  prior_t * exp(beta * corr(new-task scores, t's scores on the tried candidates))

(Pearson correlation, once ``min_observed`` candidates are scored; scale-free, so the new
task's raw scores and the past tasks' normalised ones compare). The next candidate is the one
with the largest weighted expected improvement over what the tried ones already reach on each
past task::

    argmax_c  sum_t w_t * max(M[t, c] - max_{e tried} M[t, e], 0)

With equal weights this is exactly the next member of the greedy portfolio
(:func:`~sklearn_meta.search.portfolio.greedy_portfolio`): the adaptive rule is a portfolio
that re-weights the past tasks by the evidence — close to the ranking-loss weighting of
Feurer et al.'s RGPE ("Scalable meta-learning for Bayesian optimization", 2018), without the
Gaussian processes. ``beta`` and ``min_observed`` were chosen by leave-one-task-out on the
knowledge bases (``benchmarks/results/warm_start_loo_kb.md``).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

#: Sharpness of the evidence weighting (chosen by leave-one-task-out on both knowledge bases).
BETA = 10.0
#: Scored candidates needed before the evidence re-weights the past tasks.
MIN_OBSERVED = 3


def similarity_prior(distances: np.ndarray, tau: float, temperature: float) -> np.ndarray:
    """Prior weights of past tasks from their distances to the new task:
    ``exp(-(d - d_min) / (temperature * tau))`` (``tau``: the knowledge base's median
    nearest-neighbour distance), so the nearest task weighs 1; unknown distances weigh 0."""
    d = np.asarray(distances, dtype=float)
    finite = np.isfinite(d)
    if not finite.any():
        return np.ones(len(d))
    scale = max(float(temperature) * float(tau), 1e-12)
    return np.where(finite, np.exp(-(np.where(finite, d, 0.0) - d[finite].min()) / scale), 0.0)


def evidence_log_weights(M_tried: np.ndarray, observed: np.ndarray, beta: float = BETA,
                         min_observed: int = MIN_OBSERVED) -> np.ndarray:
    """Log-weights of the past tasks (rows of ``M_tried``: their normalised scores on the
    tried candidates) from the new task's ``observed`` scores of the same candidates."""
    T = M_tried.shape[0]
    ok = np.isfinite(observed)
    if ok.sum() < max(min_observed, 2) or beta == 0:
        return np.zeros(T)
    o = observed[ok] - observed[ok].mean()
    if not np.any(np.abs(o) > 1e-12):  # every tried candidate scored the same: no evidence
        return np.zeros(T)
    Mt = np.where(np.isfinite(M_tried[:, ok]), M_tried[:, ok], 0.0)
    Mc = Mt - Mt.mean(axis=1, keepdims=True)
    den = np.sqrt((o ** 2).sum() * (Mc ** 2).sum(axis=1))
    corr = np.where(den > 1e-12, (Mc @ o) / np.maximum(den, 1e-12), 0.0)
    return beta * corr


def next_candidate(M: np.ndarray, tried: Sequence[int], observed: Sequence[float],
                   prior: np.ndarray | None = None, beta: float = BETA,
                   min_observed: int = MIN_OBSERVED,
                   exclude: Sequence[int] = ()) -> int | None:
    """Column of ``M`` (past tasks x candidates, normalised scores in [0, 1], NaN = unknown)
    to try next, given the candidates ``tried`` and their ``observed`` scores on the new task.

    ``prior``: non-negative weights of the past tasks (e.g. similarity to the new task);
    default equal. ``exclude``: columns not to propose (e.g. tried outside this list).
    Returns None when every column is tried or excluded.
    """
    M = np.asarray(M, dtype=float)
    T, C = M.shape
    tried = [int(j) for j in tried]
    obs = np.asarray(observed, dtype=float)
    if len(obs) != len(tried):
        raise ValueError(f"observed: expected {len(tried)} scores (one per tried candidate), "
                         f"got {len(obs)}")
    logw = np.zeros(T)
    if prior is not None:
        p = np.asarray(prior, dtype=float)
        if p.shape != (T,) or not np.all(np.isfinite(p)) or np.any(p < 0) or p.sum() <= 0:
            raise ValueError(f"prior must be {T} finite non-negative weights with a positive "
                             f"sum, got shape {p.shape}")
        with np.errstate(divide="ignore"):
            logw = np.log(p / p.sum())
    if tried:
        logw = logw + evidence_log_weights(M[:, tried], obs, beta, min_observed)
    finite = np.isfinite(logw)
    w = np.where(finite, np.exp(logw - np.max(logw[finite])), 0.0)
    w = w / w.sum()
    Mf = np.where(np.isfinite(M), M, 0.0)
    best = Mf[:, tried].max(axis=1) if tried else np.zeros(T)
    gain = w @ np.maximum(Mf - best[:, None], 0.0)
    gain[list(set(tried) | {int(j) for j in exclude})] = -np.inf
    if not np.any(np.isfinite(gain)):
        return None
    return int(np.argmax(gain))


def adaptive_sequence(M: np.ndarray, score_of: Mapping[int, float] | None = None, *,
                      n: int, prior: np.ndarray | None = None, beta: float = BETA,
                      min_observed: int = MIN_OBSERVED, start: Sequence[int] = (),
                      oracle=None) -> list[int]:
    """The first ``n`` candidates the adaptive rule tries on a task whose score of candidate
    ``j`` is ``oracle(j)`` (or ``score_of[j]``), after the fixed ``start`` candidates; for
    look-up benchmarks and leave-one-task-out evaluation."""
    get = oracle if oracle is not None else (lambda j: score_of[j])  # type: ignore[index]
    tried = [int(j) for j in start][:n]
    obs = [float(get(j)) for j in tried]
    while len(tried) < n:
        j = next_candidate(M, tried, obs, prior, beta, min_observed)
        if j is None:
            break
        tried.append(j)
        obs.append(float(get(j)))
    return tried
