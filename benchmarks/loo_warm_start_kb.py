"""Warm-start design choices, chosen by leave-one-task-out on the knowledge base's own tasks.

Held-out tasks are for the final benchmark (``bench_warm_start.py``) only; choices such as how
neighbours' configurations are ordered are made here. For every knowledge-base task ``t``:
``t`` and every task sharing its data (twins, siblings) are removed; the neighbour space
(scaling included) and the portfolio are rebuilt from the remaining tasks; the first
``--n`` suggestions of each method are looked up in ``t``'s own pool scores (regret-normalised,
1 = best candidate on ``t``). Methods: the greedy portfolio alone, and neighbours by
meta-features (``mf``, auto-sklearn 1 style) or by the learned embedding (``emb``; optimistic
here, since the task encoder was trained on these tasks' scores), with ``k`` neighbours and a
``portfolioX`` share of the list left to portfolio members, or a greedy portfolio over the
other tasks weighted by similarity, ``exp(-d / (T * tau))`` (``wportfolio-T``).
``strategy="auto"`` uses all tasks, similarity-weighted, and the portfolio share stored in the
knowledge base (``composition.py``). ``adaptive-bB-mM``: the adaptive rule of
``MetaSearchCV(warm_start="auto")`` (``sklearn_meta/search/adaptive.py``): each look-up chosen
from the scores of the ones before it (evidence sharpness ``B``, after ``M`` scores). Reported: mean regret of the best suggestion so far
after 1, 3, 5 and 10 look-ups, how often a method reaches regret <= 0.01 within 10, and the
paired differences to the plain portfolio and to the shipped adaptive rule at 10 with their
standard errors.

    python benchmarks/loo_warm_start_kb.py [--task-type regression] --out /tmp/loo.md

(``benchmarks/results/warm_start_loo_kb.md`` keeps the dated runs and the decisions taken.)
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

from sklearn_meta.datasets.twins import same_data_names
from sklearn_meta.datasets.augment import AUGMENT_SEP
from sklearn_meta.datasets.derived import source_name
from sklearn_meta.search import KnowledgeBase, load_default_kb
from sklearn_meta.search.adaptive import BETA, MIN_OBSERVED, adaptive_sequence
from sklearn_meta.search.composition import compose
from sklearn_meta.search.neighbours import _Space
from sklearn_meta.search.portfolio import greedy_portfolio
from sklearn_meta.search.suggest import PORTFOLIO_SHARE, _neighbour_ranking

CHECKPOINTS = (1, 3, 5, 10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kb", default=None, help="knowledge base file (default: shipped)")
    ap.add_argument("--task-type", choices=["classification", "regression"],
                    default="classification")
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--out", default=None, help="markdown results file")
    a = ap.parse_args(argv)
    kb = KnowledgeBase.load(a.kb) if a.kb else load_default_kb(a.task_type)
    families = sorted(kb.pool)
    names = [t for t in kb.task_names if kb.tasks[t]["task_type"] == a.task_type]
    cands, _, P = kb.pool_matrix(None, names)
    key_of = {c: kb.dedup_key(c[0], kb.pool[c[0]][c[1]]) for c in cands}
    mf_names, MF = kb.meta_feature_matrix(names)
    emb = kb.embedding_matrix()
    spaces = {"mf": (mf_names, MF)}
    if emb is not None:
        spaces["emb"] = emb
    results: dict[str, list[np.ndarray]] = {}
    augmented = [AUGMENT_SEP in t for t in names]
    for i, t in enumerate(names):
        if augmented[i]:  # variants are knowledge, not test cases: evaluate on real tasks only
            continue
        drop = same_data_names(t)  # t and every task sharing its rows (source names)
        rest = [j for j, u in enumerate(names) if source_name(u) not in drop]
        own = {key_of[c]: P[i, j] for j, c in enumerate(cands) if np.isfinite(P[i, j])}
        port = [(cands[j][0], key_of[cands[j]]) for j in greedy_portfolio(P[rest], a.n + 10)]
        lists = {"portfolio": port}
        own_col = np.where(np.isfinite(P[i]), P[i], 0.0)
        if any(augmented):  # the same rules without the variants, and with each source's
            # variants sharing one task's weight (paired with the rows above)
            real = [j for j in rest if not augmented[j]]
            lists["portfolio-no-variants"] = [(cands[j][0], key_of[cands[j]])
                                              for j in greedy_portfolio(P[real], a.n + 10)]
            seq = adaptive_sequence(P[real], n=a.n, oracle=lambda j: own_col[j])
            lists["adaptive-no-variants"] = [(cands[j][0], key_of[cands[j]]) for j in seq]
            count = Counter(source_name(names[j]) for j in rest)
            prior = np.array([1.0 / count[source_name(names[j])] for j in rest])
            seq = adaptive_sequence(P[rest], n=a.n, prior=prior, oracle=lambda j: own_col[j])
            lists["adaptive-source-balanced"] = [(cands[j][0], key_of[cands[j]]) for j in seq]
        for beta in (3.0, BETA, 30.0):  # adaptive: each look-up chosen from the scores so far
            for m_obs in (2, MIN_OBSERVED, 4):
                seq = adaptive_sequence(P[rest], n=a.n, beta=beta, min_observed=m_obs,
                                        oracle=lambda j: own_col[j])
                lists[f"adaptive-b{beta:g}-m{m_obs}"] = [(cands[j][0], key_of[cands[j]])
                                                         for j in seq]
        for kind, (snames, S) in spaces.items():
            keep = [j for j, u in enumerate(snames) if source_name(u) not in drop]
            space = _Space([snames[j] for j in keep], S[keep],
                           "meta-features" if kind == "mf" else "embedding")
            nb = space.query(S[snames.index(t)])
            as_keys = lambda pairs: [(f, kb.dedup_key(f, c)) for f, c in pairs]  # noqa: E731
            # similarity-weighted greedy portfolio: neighbours and coverage in one list
            wmap = dict(zip(nb.names, nb.distances))
            d_rest = np.array([wmap.get(names[j], np.inf) for j in rest])
            for temp in (0.5, 1.0, 2.0, 4.0):
                w = np.exp(-(d_rest - np.min(d_rest)) / (space.tau * temp))
                wp = greedy_portfolio(P[rest], a.n + 10, weights=w)
                lists[f"{kind}-wportfolio-T{temp:g}"] = [(cands[j][0], key_of[cands[j]])
                                                         for j in wp]
                # the adaptive rule with the similarity as its prior over the past tasks
                seq = adaptive_sequence(P[rest], n=a.n, prior=w, oracle=lambda j: own_col[j])
                lists[f"{kind}-adaptive-T{temp:g}"] = [(cands[j][0], key_of[cands[j]])
                                                       for j in seq]
            for k in (1, 5, 10, len(keep)):
                rank = as_keys(_neighbour_ranking(kb, nb, families, a.task_type, k))
                kk = "all" if k == len(keep) else k
                for share in (0.0, PORTFOLIO_SHARE, 2 * PORTFOLIO_SHARE):
                    lists[f"{kind}-k{kk}-portfolio{share:.2f}"] = compose(rank, port, a.n,
                                                                          share)
        for m, lst in lists.items():
            sc = [own.get(key, 0.0) for _, key in lst[: a.n]]
            results.setdefault(m, []).append(1.0 - np.maximum.accumulate(sc))
    lines = [f"# Warm start: leave-one-task-out on the {a.task_type} knowledge base "
             f"({len(names)} tasks, {sum(augmented)} of them variants)", "",
             "Evaluated on the tasks that are not variants (`:aug-`); a left-out task's "
             "variants are left out with it.", "",
             "Mean normalised regret of the best of the first k suggestions (lower is better); "
             "`hit@10`: share of tasks with regret <= 0.01 within 10.", "",
             "| method | " + " | ".join(f"regret@{c}" for c in CHECKPOINTS)
             + " | s.e.@10 | hit@10 | vs portfolio@10 (paired s.e.) "
             "| vs shipped adaptive@10 (paired s.e.) |",
             "|---|" + "---|" * (len(CHECKPOINTS) + 4)]
    base = np.array(results["portfolio"])[:, a.n - 1]
    shipped = np.array(results[f"adaptive-b{BETA:g}-m{MIN_OBSERVED}"])[:, a.n - 1]
    for m, curves in sorted(results.items(), key=lambda kv: np.mean(kv[1], axis=0)[9]):
        C = np.array(curves)
        lines.append(f"| {m} | " + " | ".join(f"{C[:, c - 1].mean():.4f}" for c in CHECKPOINTS)
                     + f" | {C[:, 9].std(ddof=1) / np.sqrt(len(C)):.4f}"
                     + f" | {np.mean(C[:, 9] <= 0.01):.0%}"
                     + f" | {np.mean(C[:, a.n - 1] - base):+.4f} "
                     f"({np.std(C[:, a.n - 1] - base, ddof=1) / np.sqrt(len(C)):.4f})"
                     + f" | {np.mean(C[:, a.n - 1] - shipped):+.4f} "
                     f"({np.std(C[:, a.n - 1] - shipped, ddof=1) / np.sqrt(len(C)):.4f}) |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        Path(a.out).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
