"""Landmarking meta-features: 10-fold stratified CV accuracy of simple learners
(pymfe ``landmarking`` group; same protocol: ``StratifiedKFold(10, shuffle=False)``
on the numeric view ``N``, accuracy per fold, summarised over folds).

Decision stumps (best/random/worst node) and Gaussian naive Bayes are
re-implemented in numpy, saving ~40 scikit-learn fit/predict round trips per data set: the
rows are sorted per column once, each fold filters that order, and running sums of squared
class counts score every threshold of every attribute at once, from which best_node, random_node and
worst_node all read their split. They reproduce scikit-learn's models up to tie-breaking
between equally good splits. LDA repeats scikit-learn's SVD solver step by step, because its tie-breaking
(collinear attributes) changes accuracies noticeably. The 1-NN learners give exactly the
predictions of pymfe's KD-tree 1-NN: by brute force (one matrix product) where that is faster
and by binary search on one attribute (elite_nn), handing test rows with equidistant neighbours of different labels to scikit-learn's own
``KDTree``, whose traversal order decides those ties. ``worst_node`` and ``elite_nn`` use the importance
ranking of a full ``DecisionTreeClassifier(random_state)`` per training fold,
exactly as pymfe. Data sets of more than ``MAX_ROWS`` rows are landmarked on a stratified
sample of that size (pymfe's ``lm_sample_frac``), so the cost stays bounded.
"""
from __future__ import annotations

import warnings
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Iterator, NamedTuple, Optional

import numpy as np
import scipy.linalg
from sklearn import config_context
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KDTree

from ._sampling import subsample
from ._tree import fit_tree, in_float32_range
from ._validation import TaskData

GROUP = "landmarking"
N_FOLDS = 10
#: Landmarking runs on at most this many rows: a stratified sample (``random_state``) of larger
#: data sets, as pymfe's ``lm_sample_frac`` allows. Every uci121 set is below it (values equal
#: pymfe's); 50000 x 20 rows of noise took 137 s without it (ten full trees and ten 1-NN
#: passes over 45000 rows).
MAX_ROWS = 30_000
# Below this many rows a fold is dominated by Python overhead that holds the GIL: threads over
# the folds only add their own cost, once the trees already run in the background (see
# ``prefetch``). Measured on 2 cores: 0.7x at 600-1500 rows, 1.5x at 1728 x 6 (car).
MIN_ROWS_FOR_THREADS = 1_600

FEATURES: dict[str, tuple[str, bool]] = {
    "best_node": ("CV accuracy of a decision stump on all attributes.", True),
    "elite_nn": ("CV accuracy of 1-NN on the most important attribute (per decision tree).", True),
    "linear_discr": ("CV accuracy of linear discriminant analysis.", True),
    "naive_bayes": ("CV accuracy of Gaussian naive Bayes.", True),
    "one_nn": ("CV accuracy of the 1-nearest-neighbour classifier.", True),
    "random_node": ("CV accuracy of a decision stump on one random attribute.", True),
    "worst_node": ("CV accuracy of a decision stump on the least important attribute.", True),
}


def best_splits(xs: np.ndarray, ys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best Gini split of every attribute at once, given training values sorted per column.

    ``xs`` (n, p) holds each column's values in ascending order and ``ys`` (n, p) the
    matching class codes. Returns per attribute the split score ``sum_c l_c^2 / n_l +
    sum_c r_c^2 / n_r`` (l_c, r_c: class counts left and right; higher is better, -inf where
    the column is constant) and the threshold at the midpoint, as scikit-learn's splitter
    places it; ties go to the first (lowest) threshold, as in a loop over the sorted values.

    No (rows x classes) count table is built: moving a row of class c to the left adds
    ``2 l_c + 1`` to ``sum l_c^2``, where l_c is the number of earlier rows of class c (its
    rank within its class, from one stable sort of the class codes), and
    ``sum r_c^2 = sum n_c^2 - 2 sum n_c l_c + sum l_c^2``. The sums are exact integers, so
    the scores equal those of the count-table formula bit for bit.
    """
    n, p = xs.shape
    counts = np.bincount(ys[:, 0], minlength=k)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    by_class = np.argsort(ys, axis=0, kind="stable")
    earlier = np.empty((n, p), dtype=np.int64)  # rows of the same class before this one
    np.put_along_axis(earlier, by_class,
                      np.arange(n)[:, None] - starts[np.take_along_axis(ys, by_class, axis=0)],
                      axis=0)
    sq_left = np.cumsum(2 * earlier + 1, axis=0)[:-1]
    cross = np.cumsum(counts[ys], axis=0)[:-1]  # sum_c n_c l_c
    sq_right = int(counts @ counts) - 2 * cross + sq_left
    nl = np.arange(1, n, dtype=float)[:, None]
    score = sq_left / nl + sq_right / (n - nl)
    score[xs[1:] <= xs[:-1]] = -np.inf  # no threshold between equal values
    i = np.argmax(score, axis=0)
    cols = np.arange(p)
    return score[i, cols], (xs[i, cols] + xs[i + 1, cols]) / 2.0


def stump_predict_split(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, k: int,
                        attribute: int, threshold: float) -> np.ndarray:
    """Predictions of a depth-1 tree splitting ``attribute`` at ``threshold`` (x <= t left);
    ``attribute < 0`` (no split possible) predicts the majority class."""
    if attribute < 0:
        return np.full(Xte.shape[0], int(np.argmax(np.bincount(ytr, minlength=k))))
    go_left = Xtr[:, attribute] <= threshold
    cl = int(np.argmax(np.bincount(ytr[go_left], minlength=k)))
    cr = int(np.argmax(np.bincount(ytr[~go_left], minlength=k)))
    return np.where(Xte[:, attribute] <= threshold, cl, cr)


def _first_best(scores: np.ndarray) -> int:
    """Index of the best attribute as a sequential scan keeps it (a later one must be better
    by more than 1e-12), or -1 where no attribute can be split."""
    best, j_best = -np.inf, -1
    for j, s in enumerate(scores.tolist()):
        if s > best + 1e-12:
            best, j_best = s, j
    return j_best


def naive_bayes_predict(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, k: int) -> np.ndarray:
    present = np.flatnonzero(np.bincount(ytr, minlength=k))
    eps = 1e-9 * np.max(np.var(Xtr, axis=0))
    jll = np.empty((Xte.shape[0], present.size))
    for i, c in enumerate(present):
        Xc = Xtr[ytr == c]
        mu = Xc.mean(axis=0)
        var = Xc.var(axis=0) + eps
        jll[:, i] = (
            np.log(Xc.shape[0] / Xtr.shape[0])
            - 0.5 * np.sum(np.log(2.0 * np.pi * var))
            - 0.5 * np.sum((Xte - mu) ** 2 / var, axis=1)
        )
    return present[np.argmax(jll, axis=1)]


def lda_predict(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, tol: float = 1e-4) -> np.ndarray:
    """scikit-learn's ``LinearDiscriminantAnalysis(solver="svd")`` fit + predict,
    re-implemented step by step (same SVDs, same rank cut-offs) without its
    per-call input validation."""
    present, yi = np.unique(ytr, return_inverse=True)
    n = Xtr.shape[0]
    k = present.size
    if k == 1:
        return np.full(Xte.shape[0], present[0])
    priors = np.bincount(yi) / n
    means = np.array([Xtr[yi == c].mean(axis=0) for c in range(k)])
    Xc = np.concatenate([Xtr[yi == c] - means[c] for c in range(k)], axis=0)
    xbar = priors @ means
    std = Xc.std(axis=0)
    std[std == 0] = 1.0
    _, S, Vt = scipy.linalg.svd(np.sqrt(1.0 / n) * (Xc / std), full_matrices=False)
    rank = int(np.sum(S > tol))
    majority = np.full(Xte.shape[0], present[np.argmax(priors)])
    if rank == 0:  # no within-class variance (scikit-learn raises an IndexError here): the
        # limit of the discriminant is the nearest class mean (the prior when all are equal)
        if np.allclose(means, means[0]):
            return majority
        d = ((Xte[:, None, :] - means[None]) ** 2).sum(-1) - 1e-12 * np.log(priors)
        return present[np.argmin(d, axis=1)]
    scalings = (Vt[:rank] / std).T / S[:rank]
    B = ((np.sqrt(n * priors / (k - 1.0))) * (means - xbar).T).T @ scalings
    _, S, Vt = scipy.linalg.svd(B, full_matrices=False)
    if S.size == 0 or not S[0] > 0:  # every class has the same mean
        return majority
    rank = int(np.sum(S > tol * S[0]))
    scalings = scalings @ Vt.T[:, :rank]
    coef = (means - xbar) @ scalings
    intercept = -0.5 * np.sum(coef**2, axis=1) + np.log(priors)
    coef = coef @ scalings.T
    intercept = intercept - xbar @ coef.T
    if k == 2:
        dec = Xte @ (coef[1] - coef[0]) + (intercept[1] - intercept[0])
        return present[(dec > 0).astype(int)]
    return present[np.argmax(Xte @ coef.T + intercept, axis=1)]


#: Brute-force 1-NN when a fold's distance matrix has at most this many entries: up to 16
#: attributes (the KD-tree prunes well, and in one dimension always wins) / beyond 16 always
#: (it prunes badly: 8x slower than brute force on 45000 x 20 folds; scikit-learn's own
#: "auto" switches to brute force there too). Measured per fold on uci121 sets, one thread.
BRUTE_NN_MAX_PAIRS = (500_000, 10**12)
#: Rows of test points per block of the brute-force distance matrix (bounds its memory).
_NN_BLOCK_PAIRS = 2_000_000


def _kdtree_nn(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray) -> np.ndarray:
    """1-NN with the KD-tree scikit-learn's ``KNeighborsClassifier(1, algorithm="kd_tree")``
    builds (leaf_size=30, Euclidean), so equidistant neighbours resolve identically."""
    _, idx = KDTree(Xtr, leaf_size=30, metric="euclidean").query(Xte, k=1)
    return ytr[idx[:, 0]]


def one_nn_predict(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray) -> np.ndarray:
    """Labels of the nearest training rows, exactly as pymfe's KD-tree 1-NN gives them: by
    brute force where that is faster (see ``BRUTE_NN_MAX_PAIRS``), else by the KD-tree."""
    (n_tr, p), n_te = Xtr.shape, Xte.shape[0]
    if p == 1:
        return _sorted_nn_1d(Xtr, ytr, Xte)
    if n_tr * n_te > BRUTE_NN_MAX_PAIRS[p > 16]:
        return _kdtree_nn(Xtr, ytr, Xte)
    return _brute_nn(Xtr, ytr, Xte)


def _sorted_nn_1d(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray) -> np.ndarray:
    """1-NN on one attribute by binary search in the sorted training values, equal to the
    KD-tree's answer: each test value's nearest distinct training value(s) lie just below or
    above it; rows whose nearest values carry more than one label (several rows at the same
    value, or one value below and one above at the same distance) are ties that only the
    KD-tree's traversal order resolves, so those rows go to it."""
    xtr, xte = Xtr[:, 0], Xte[:, 0]
    order = np.argsort(xtr, kind="stable")
    xs, ys = xtr[order], ytr[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    values = xs[starts]
    # label of each distinct value, or -1 where rows at that value disagree
    first = ys[starts]
    mixed = np.zeros(values.size, dtype=bool)
    differs = np.flatnonzero(ys[1:] != ys[:-1]) + 1
    differs = differs[xs[differs] == xs[differs - 1]]  # label changes inside one value's run
    mixed[np.searchsorted(starts, differs, side="right") - 1] = True
    label = np.where(mixed, -1, first.astype(np.int64))
    r = np.searchsorted(values, xte, side="left")  # values[r] >= x > values[r - 1]
    hi = np.minimum(r, values.size - 1)
    lo = np.maximum(r - 1, 0)
    d_hi = np.where(r < values.size, values[hi] - xte, np.inf)
    d_lo = np.where(r > 0, xte - values[lo], np.inf)
    sq_hi, sq_lo = d_hi * d_hi, d_lo * d_lo  # the KD-tree compares squared distances
    take_lo = sq_lo < sq_hi
    pick = np.where(take_lo, label[lo], label[hi])
    tied = (pick < 0) | ((sq_lo == sq_hi) & (label[lo] != label[hi]))
    pred = pick.astype(ytr.dtype)
    if tied.any():
        pred[tied] = _kdtree_nn(Xtr, ytr, Xte[tied])
    return pred


def _brute_nn(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray) -> np.ndarray:
    """1-NN labels from one matrix product for all squared distances, equal to the KD-tree's.

    A test row whose nearest distance is shared, within rounding, by training rows of
    different labels is a tie that only the KD-tree's traversal order resolves: those rows
    (and only those) are answered by the KD-tree. Every other row has one answer whichever
    exact method finds it.
    """
    n_tr, n_te = Xtr.shape[0], Xte.shape[0]
    center = Xtr.mean(axis=0)  # distances are unchanged; the expanded form loses less
    Ctr, Cte = Xtr - center, Xte - center
    sq_tr = np.einsum("ij,ij->i", Ctr, Ctr)
    sq_te = np.einsum("ij,ij->i", Cte, Cte)
    pred = np.empty(n_te, dtype=ytr.dtype)
    tied = np.zeros(n_te, dtype=bool)
    step = max(1, _NN_BLOCK_PAIRS // max(1, n_tr))
    for a in range(0, n_te, step):
        b = min(n_te, a + step)
        d2 = sq_te[a:b, None] + sq_tr[None, :] - 2.0 * (Cte[a:b] @ Ctr.T)
        nearest = np.argmin(d2, axis=1)
        d_min = d2[np.arange(b - a), nearest]
        # rounding of the expanded form is below 1e-12 of the squared norms involved
        tol = 1e-9 * (sq_te[a:b] + sq_tr.max()) + 1e-12
        close = d2 <= (d_min + tol)[:, None]
        lab = ytr[nearest]
        tied[a:b] = (close & (ytr[None, :] != lab[:, None])).any(axis=1)
        pred[a:b] = lab
    if tied.any():
        pred[tied] = _kdtree_nn(Xtr, ytr, Xte[tied])
    return pred


_PLAN_KEY = "landmarking.plan"
_RANKS_KEY = "landmarking.importance_ranks"


def _folds(y: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    skf = StratifiedKFold(n_splits=N_FOLDS, shuffle=False)
    # split now, with scikit-learn's "least populated class" warning silenced: this may run
    # on a background thread, after the caller's own warning filters are gone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return iter(list(skf.split(np.zeros((y.size, 1)), y)))


#: ``in_float64_range`` rescales data whose largest |value| exceeds ``2**_F64_SAFE_EXP``
#: (3.3e150; its square, 1.1e301, is still finite).
_F64_SAFE_EXP = 500


def in_float64_range(N: np.ndarray) -> np.ndarray:
    """``N`` multiplied by the one power of two that brings its largest |value| into
    ``[2**499, 2**500)`` where it exceeds ``2**500``; ``N`` itself otherwise (any ordinary data).

    1-NN, naive Bayes and LDA square the data: a column near float64's limit (1e300) made
    their distances, variances and scatter matrices inf, and their accuracies noise. One
    common power of two is exact and leaves their predictions as they are (up to rounding:
    all three are invariant to scaling the whole data; 1-NN and naive Bayes are not to
    scaling one column, so the columns keep their relative scales). Only columns more than
    ~1e150 times smaller than the largest one lose precision (their squares underflow),
    where they weigh nothing next to it in 1-NN and naive Bayes anyway.
    """
    if N.size == 0:
        return N
    top = max(float(np.max(N)), -float(np.min(N)))
    if not (np.isfinite(top) and top > np.ldexp(1.0, _F64_SAFE_EXP)):
        return N
    _, exp = np.frexp(top)  # top = f * 2**exp, 0.5 <= f < 1
    return np.ldexp(N, _F64_SAFE_EXP - exp)


class _Plan(NamedTuple):
    """What every fold needs: the (sub-sampled) imputed data, its class codes and the folds."""

    N: np.ndarray
    N32: np.ndarray  # float32 copy for the trees (they cast to float32 anyway)
    y: np.ndarray
    k: int
    folds: list[tuple[np.ndarray, np.ndarray]]


def _plan(data: TaskData) -> Optional[_Plan]:
    """The landmarking protocol for ``data``, or None where no landmarker is defined."""
    if not data.is_classif or data.N.shape[1] == 0:
        return None
    cached = data.shared.get(_PLAN_KEY)
    if cached is None:
        N, y = data.N_imputed, data.y
        rows = subsample(data.n, y, data.random_state, cap=MAX_ROWS)
        if rows.size < data.n:
            N, y = N[rows], y[rows]
        try:
            folds = list(_folds(y))
        except ValueError:  # fewer rows than folds
            folds = []
        # data beyond the float ranges rescaled by powers of two: per column for the float32
        # trees, as a whole for the float64 learners (ordinary data is left as it is)
        N32 = np.ascontiguousarray(in_float32_range(N), dtype=np.float32)
        cached = _Plan(in_float64_range(N), N32, y, data.classes.size, folds)
        data.shared[_PLAN_KEY] = cached
    return cached if cached.folds else None


def _importance_rank(plan: _Plan, train: np.ndarray, random_state: int) -> np.ndarray:
    """Attributes ordered by the Gini importance of a full ``DecisionTreeClassifier`` fitted to
    the training fold (pymfe's ranking for worst_node and elite_nn)."""
    imp = fit_tree(plan.N32[train], plan.y[train], random_state).compute_feature_importances()
    return np.argsort(imp)


def prefetch(data: TaskData, executor: Executor) -> None:
    """Start the ten per-fold trees (the costliest part, which releases the GIL) on
    ``executor``, so they overlap the other groups; ``compute`` collects them."""
    plan = _plan(data)
    if plan is not None:
        data.shared[_RANKS_KEY] = [
            executor.submit(_importance_rank, plan, tr, data.random_state) for tr, _ in plan.folds
        ]


def compute(data: TaskData) -> dict[str, float | np.ndarray]:
    """Cross-validated accuracies of the landmarkers (classification only)."""
    plan = _plan(data)
    if plan is None:
        return {}
    N, y, k, folds = plan.N, plan.y, plan.k, plan.folds
    n, p = N.shape
    rand_attr = int(np.random.RandomState(data.random_state).randint(0, p, size=1)[0])
    res: dict[str, list[float]] = {name: [] for name in FEATURES}
    order_all = np.argsort(N, axis=0, kind="stable")  # filtered per fold, never re-sorted
    pending: list[Future] = data.shared.pop(_RANKS_KEY, None) or [None] * len(folds)

    def fold_scores(i: int) -> dict[str, float]:
        with config_context(assume_finite=True, skip_parameter_validation=True):
            return _fold_scores(i)

    def _fold_scores(i: int) -> dict[str, float]:
        tr, te = folds[i]
        Xtr, Xte, ytr, yte = N[tr], N[te], y[tr], y[te]
        rank = (
            pending[i].result() if pending[i] is not None
            else _importance_rank(plan, tr, data.random_state)
        )
        worst, elite = int(rank[0]), int(rank[-1])
        # One pass over the training rows sorted per column gives every attribute's best
        # stump: best_node takes the best of them, random_node and worst_node their own.
        in_train = np.zeros(n, dtype=bool)
        in_train[tr] = True
        order = order_all.T[in_train[order_all].T].reshape(p, tr.size).T
        scores, thresholds = best_splits(np.take_along_axis(N, order, axis=0), y[order], k)

        def stump(j: int) -> np.ndarray:
            if j < 0 or not np.isfinite(scores[j]):
                j = -1
            return stump_predict_split(Xtr, ytr, Xte, k, j, float(thresholds[j]))

        acc = lambda pred: float(np.mean(pred == yte))  # noqa: E731
        return {
            "best_node": acc(stump(_first_best(scores))),
            "random_node": acc(stump(rand_attr)),
            "worst_node": acc(stump(worst)),
            "naive_bayes": acc(naive_bayes_predict(Xtr, ytr, Xte, k)),
            "linear_discr": acc(lda_predict(Xtr, ytr, Xte)),
            "one_nn": acc(one_nn_predict(Xtr, ytr, Xte)),
            "elite_nn": acc(one_nn_predict(Xtr[:, [elite]], ytr, Xte[:, [elite]])),
        }

    # Folds are independent and their heavy parts (tree building, KD-tree queries, numpy
    # kernels) release the GIL, so threads overlap them; results do not depend on n_jobs.
    n_threads = min(data.n_jobs, len(folds)) if n >= MIN_ROWS_FOR_THREADS else 1
    if n_threads > 1:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            scores = list(pool.map(fold_scores, range(len(folds))))
    else:
        scores = [fold_scores(i) for i in range(len(folds))]
    for sc in scores:
        for name, v in sc.items():
            res[name].append(v)
    return {name: np.array(v) for name, v in res.items()}
