"""Concept meta-features (pymfe ``concept`` group): how the class (or the data)
varies within neighbourhoods, from Euclidean distances on min-max scaled ``N``.

Weights (pymfe defaults): ``w = 2 ** (-2 * d / (sqrt(p) - d))`` for conceptvar
and wg_dist, ``w = 2 ** -ceil(d)`` (at least 2**-1) for impconceptvar and
cohesiveness; each example's value sums or averages over all other rows.

Memory/time: pymfe builds the full n x n distance matrix. Here per-example
values are computed exactly against *all* rows, in chunks of rows, but only for
at most ``MAX_ROWS`` (2000) example rows (stratified sample, ``random_state``)
when n is larger: summaries are then over a sample of examples (documented
deviation; identical to pymfe for n <= 2000).
"""
from __future__ import annotations

import numpy as np
import scipy.spatial.distance

from ._sampling import MAX_ROWS, minmax_scale, subsample
from ._validation import TaskData

GROUP = "concept"
CHUNK_ELEMS = 2_000_000  # distances held at once (16 MB)

_CAP = f" (per example; at most {MAX_ROWS} sampled examples, each against all rows)"
FEATURES: dict[str, tuple[str, bool]] = {
    "cohesiveness": ("Improved example cohesiveness: sum of 2^-ceil(d) weights to all other rows" + _CAP + ".", False),
    "conceptvar": ("Concept variation: weighted fraction of other rows of a different class" + _CAP + ".", True),
    "impconceptvar": ("Improved concept variation: sum of 2^-ceil(d) weights to rows of another class" + _CAP + ".", True),
    "wg_dist": ("Weighted distance: weighted mean distance to the other rows" + _CAP + ".", False),
}


def compute(data: TaskData) -> dict[str, float | np.ndarray]:
    """Per-example concept values for (a sample of) the rows."""
    if data.N.shape[1] == 0:
        return {}
    Ns = minmax_scale(data.N_imputed)
    n, p = Ns.shape
    classif = data.is_classif
    y = data.y if classif else None
    rows = subsample(n, y, data.random_state)
    out = {k: np.empty(rows.size) for k in ("cohesiveness", "wg_dist", "conceptvar", "impconceptvar")}
    step = max(1, CHUNK_ELEMS // n)
    sqrt_p = np.sqrt(p)
    for s in range(0, rows.size, step):
        r = rows[s:s + step]
        d = scipy.spatial.distance.cdist(Ns[r], Ns)  # (chunk, n)
        diag = (np.arange(r.size), r)
        div = sqrt_p - d
        div[div <= 0] = 10e-10
        w = np.exp2(-2.0 * (d / div))
        w[diag] = 0.0
        radius = np.ceil(d)
        radius[radius == 0] = 1
        wi = np.exp2(-radius)
        wi[diag] = 0.0
        sl = slice(s, s + r.size)
        out["cohesiveness"][sl] = wi.sum(axis=1)
        out["wg_dist"][sl] = (w * d).sum(axis=1) / w.sum(axis=1)
        if classif:
            diff = y[r][:, None] != y[None, :]
            out["conceptvar"][sl] = (w * diff).sum(axis=1) / w.sum(axis=1)
            out["impconceptvar"][sl] = (wi * diff).sum(axis=1)
    if not classif:
        del out["conceptvar"], out["impconceptvar"]
    return out
