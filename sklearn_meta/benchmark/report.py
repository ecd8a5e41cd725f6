"""Markdown report with PNG plots from a benchmark results file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

LOWER_IS_BETTER = frozenset({"log_loss", "rmse", "fit_time", "predict_time",
                             "peak_memory_mb"})
#: Columns of a results file (see ``store.COLUMNS``) a report cannot do without, and the
#: numeric ones it can report on (filled with NaN when absent).
REQUIRED_COLUMNS = ("suite", "task", "estimator", "train_size", "status")
METRICS = ("accuracy", "balanced_accuracy", "log_loss", "r2", "rmse", "fit_time",
           "predict_time", "peak_memory_mb")

# Studentized range q_{0.05}/sqrt(2) for the Nemenyi test, k = 2..10 (Demšar 2006, Table 5).
_NEMENYI_Q05 = {2: 1.960, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.850, 7: 2.949, 8: 3.031,
                9: 3.102, 10: 3.164}


def task_scores(results: pd.DataFrame, metric: str, train_size: str = "all") -> pd.DataFrame:
    """Tasks × estimators table of the metric averaged over folds and seeds (ok rows only)."""
    ok = results[(results["status"] == "ok")
                 & (results["train_size"].astype(str) == str(train_size))]
    if ok.empty or metric not in ok:
        return pd.DataFrame()
    return ok.pivot_table(index="task", columns="estimator", values=metric, aggfunc="mean")


def average_ranks(table: pd.DataFrame, higher_is_better: bool = True) -> pd.Series:
    """Mean rank per estimator over the tasks every estimator completed (1 = best)."""
    complete = table.dropna()
    ranks = complete.rank(axis=1, ascending=not higher_is_better)
    return ranks.mean().sort_values()


def critical_difference(k: int, n: int) -> float:
    """Nemenyi critical difference of average ranks at alpha=0.05."""
    q = _NEMENYI_Q05.get(k, 3.164 + 0.05 * (k - 10))
    return q * np.sqrt(k * (k + 1) / (6.0 * n))


def wins_ties_losses(table: pd.DataFrame, ours: str, tol: float = 1e-9,
                     higher_is_better: bool = True) -> pd.DataFrame:
    """Per baseline: tasks where ``ours`` is better, equal, worse."""
    rows = []
    sign = 1.0 if higher_is_better else -1.0
    for other in table.columns:
        if other == ours:
            continue
        pair = table[[ours, other]].dropna()
        diff = sign * (pair[ours] - pair[other])
        rows.append({"baseline": other, "wins": int((diff > tol).sum()),
                     "ties": int((diff.abs() <= tol).sum()), "losses": int((diff < -tol).sum()),
                     "tasks": len(pair)})
    return pd.DataFrame(rows)


def plot_cd(ranks: pd.Series, cd: float, path: Path, title: str) -> None:
    """A critical-difference style plot: average ranks on an axis with the CD bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.35 * len(ranks)))
    k = len(ranks)
    for i, (name, r) in enumerate(ranks.items()):
        y = -i
        ax.plot([r, r], [0.3, y], color="0.5", lw=0.8)
        ax.plot(r, y, "o", color="C0")
        ax.text(k + 0.6, y, f"{name} ({r:.2f})", va="center")
    ax.plot([1, 1 + cd], [0.8, 0.8], color="C3", lw=3)
    ax.text(1 + cd / 2, 1.0, f"CD = {cd:.2f}", ha="center", color="C3")
    ax.set_xlim(0.5, k + 3.5)
    ax.set_ylim(-k, 1.5)
    ax.set_yticks([])
    ax.set_xlabel("average rank (1 = best)")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_by_train_size(results: pd.DataFrame, metric: str, path: Path) -> bool:
    """Mean metric vs training-set size, one line per estimator; False if only one size."""
    ok = results[results["status"] == "ok"].copy()
    sizes = sorted({s for s in ok["train_size"].astype(str)},
                   key=lambda s: (s == "all", int(s) if s.isdigit() else 0))
    if len(sizes) < 2:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for est, sub in ok.groupby("estimator"):
        per_task = sub.groupby([sub["train_size"].astype(str), "task"])[metric].mean()
        means = per_task.groupby(level=0).mean()
        ax.plot(range(len(sizes)), [means.get(s, np.nan) for s in sizes], "o-", label=est)
    ax.set_xticks(range(len(sizes)), sizes)
    ax.set_xlabel("training rows per fold")
    ax.set_ylabel(f"mean {metric}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def _md(frame: pd.DataFrame, floatfmt: str = ".4f") -> str:
    """Markdown table without the optional tabulate dependency."""
    frame = frame.reset_index() if frame.index.name else frame
    cols = [str(c) for c in frame.columns]

    def fmt(v) -> str:
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else format(v, floatfmt)
        return str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def read_results(path: str | Path) -> pd.DataFrame:
    """A results CSV; ValueError naming the file when it lacks the columns reports need."""
    try:
        results = pd.read_csv(path)
    except FileNotFoundError:
        raise ValueError(f"results file {path} not found; expected a CSV written by "
                         "'sklearn-meta bench'") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"results file {path} is empty; expected a CSV written by "
                         "'sklearn-meta bench'") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in results.columns]
    if missing:
        raise ValueError(f"results file {path} lacks column(s) {missing}; expected a CSV "
                         f"written by 'sklearn-meta bench' (with {list(REQUIRED_COLUMNS)})")
    for col in (*METRICS, "error"):
        if col not in results.columns:
            results[col] = np.nan
    return results


def available_metrics(results: pd.DataFrame) -> list[str]:
    """The metrics with at least one value in the scored (``ok``) rows."""
    ok = results[results["status"] == "ok"]
    return [m for m in METRICS if m in ok.columns and ok[m].notna().any()]


def check_report_args(results: pd.DataFrame, path: str | Path, metric: str | None,
                      ours: str | None, *, metric_arg: str = "metric",
                      ours_arg: str = "ours") -> str:
    """The metric to report (default accuracy, else r2); ValueError naming ``metric_arg`` /
    ``ours_arg`` when the metric has no values or ``ours`` is no estimator of ``results``."""
    estimators = sorted(results["estimator"].astype(str).unique())
    if ours is not None and ours not in estimators:
        raise ValueError(f"{ours_arg}: {ours!r} is not an estimator of {path}; expected one "
                         f"of {estimators}")
    available = available_metrics(results)
    if metric is None:
        return "r2" if "r2" in available and "accuracy" not in available else "accuracy"
    if metric not in available:
        raise ValueError(f"{metric_arg}: {metric!r} has no values in {path}; expected one of "
                         f"{available or 'none: no scored rows'}")
    return metric


def write_report(results_path: str | Path, out_dir: str | Path, *, ours: str | None = None,
                 metric: str | None = None, published_dir: str | Path | None = None) -> Path:
    """Write ``report.md`` and PNG plots into ``out_dir``; returns the report's path."""
    results = read_results(results_path)
    given = metric
    metric = check_report_args(results, results_path, metric, ours)
    # a file mixing classification and regression tasks: one part per default metric
    metrics = [metric] if given is not None or metric == "r2" else [
        m for m in ("accuracy", "r2") if m in available_metrics(results)]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    said = "; ".join(f"**{m}** ({'lower' if m in LOWER_IS_BETTER else 'higher'} is better"
                     + (", regression tasks" if m == "r2" and len(metrics) > 1 else
                        ", classification tasks" if len(metrics) > 1 else "") + ")"
                     for m in metrics)
    lines = ["# Benchmark report", "", f"Results: `{results_path}` — {len(results)} rows, "
             f"{results['task'].nunique()} tasks, estimators: "
             f"{', '.join(sorted(results['estimator'].unique()))}.", "",
             f"Metric: {said}, mean over folds and seeds, measured by this project's "
             "runner.", ""]
    status = results.groupby(["estimator", "status"]).size().unstack(fill_value=0)
    lines += ["## Row status", "", _md(status), ""]
    skipped = results[results["status"] != "ok"].drop_duplicates(["estimator", "error"])
    if len(skipped):
        lines += ["Reasons for rows not scored:", ""]
        lines += [f"- {r.estimator}: {' '.join(str(r.error).split())}"  # one line each
                  for r in skipped.itertuples()]
        lines.append("")
    for m in metrics:
        lines += _metric_sections(results, m, out, ours,
                                  heading=f"{m}: " if len(metrics) > 1 else "")
    timing = results[results["status"] == "ok"].groupby("estimator")[
        ["fit_time", "predict_time", "peak_memory_mb"]].mean()
    lines += ["## Cost (mean per fit)", "", _md(timing, ".3f"), ""]
    if published_dir is not None and (results["suite"] == "uci121").any():
        lines += _published_section(results, metric, Path(published_dir))
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _metric_sections(results: pd.DataFrame, metric: str, out: Path, ours: str | None, *,
                     heading: str = "") -> list[str]:
    """Per training size: summary, ranks (critical-difference plot), wins of ``ours`` and
    the per-task table of ``metric``; then the score-vs-size plot."""
    higher = metric not in LOWER_IS_BETTER
    lines: list[str] = []
    sizes = sorted(results["train_size"].astype(str).unique(),
                   key=lambda s: (s == "all", int(s) if s.isdigit() else 0))
    for size in sizes:
        table = task_scores(results, metric, size)
        if table.empty:
            continue
        ranks = average_ranks(table, higher_is_better=higher)
        complete = table.dropna()
        summary = pd.DataFrame({"mean": table.mean(), "tasks": table.notna().sum(),
                                "mean (complete tasks)": complete.mean(),
                                "average rank": ranks}).sort_values("average rank")
        summary.index.name = "estimator"
        lines += [f"## {heading}Training size: {size}", "", _md(summary), ""]
        if len(complete) >= 2 and complete.shape[1] >= 2:
            cd = critical_difference(complete.shape[1], len(complete))
            png = out / f"cd_{metric}_{size}.png"
            plot_cd(ranks, cd, png, f"{metric}, train size {size}, {len(complete)} tasks")
            lines += [f"Critical difference (Nemenyi, alpha 0.05): {cd:.2f} over "
                      f"{len(complete)} tasks.", "", f"![ranks]({png.name})", ""]
            if complete.shape[1] >= 3:
                stat = stats.friedmanchisquare(*[complete[c] for c in complete.columns])
                lines += [f"Friedman test: chi2 = {stat.statistic:.2f}, "
                          f"p = {stat.pvalue:.3g}.", ""]
        if ours and ours in table.columns and table.shape[1] > 1:
            lines += [f"Wins/ties/losses of **{ours}** per task:", "",
                      _md(wins_ties_losses(table, ours, higher_is_better=higher)), ""]
        elif ours and ours in table.columns:
            lines += [f"No other estimator scored at this size: no wins/ties/losses of "
                      f"**{ours}**.", ""]
        lines += [f"<details><summary>Per-task {metric}</summary>", "", _md(table), "",
                  "</details>", ""]
    png = out / f"by_train_size_{metric}.png"
    if plot_by_train_size(results, metric, png):
        lines += [f"## {heading}Score vs training size", "", f"![by size]({png.name})", ""]
    return lines


def _published_section(results: pd.DataFrame, metric: str, folder: Path) -> list[str]:
    """Measured vs published accuracy on the same Arora et al. data sets.

    One table for the estimators that completed (nearly) every task; when some estimator
    covers fewer tasks (meta-learned models are scored only on tasks outside their training
    list), a second table puts every estimator on the tasks they all completed.
    """
    from .published import read_arora_list

    if not folder.is_dir() or metric != "accuracy":
        return []
    table = task_scores(results[results["suite"] == "uci121"], metric, "all")
    if table.empty:
        return []
    table = table.loc[[t for t in table.index if t in set(read_arora_list(folder))]]
    coverage = table.notna().sum()
    broad = table[coverage[coverage >= 0.9 * coverage.max()].index]
    lines = ["## Against published results (uci121)", "",
             "Published numbers are read from the papers' files and labelled as such; they were "
             "not re-run here. Means are over the data sets of Arora et al. (2020)'s list that "
             "the estimators in each table all completed.", ""]
    lines += _published_table(broad, folder, "Estimators that completed (nearly) every task")
    if broad.shape[1] < table.shape[1]:
        lines += _published_table(table, folder, "All estimators, including those scored only "
                                                 "on tasks outside their training list")
    lines += ["Caveat (Wainberg et al., JMLR 2016): in this protocol the hyper-parameter "
              "validation split overlaps the test folds, which favours every tuned method, "
              "ours and the published ones alike.", ""]
    return lines


def _published_table(table: pd.DataFrame, folder: Path, title: str) -> list[str]:
    from .published import published_summary

    datasets = list(table.dropna().index)
    if not datasets:
        return []
    ours = (100 * table.loc[datasets].mean()).rename("mean_accuracy_%").reset_index()
    ours.insert(0, "source", "sklearn-meta runner (measured here)")
    ours = ours.rename(columns={"estimator": "method"})
    ours["datasets"] = len(datasets)
    both = pd.concat([ours, published_summary(folder, datasets)], ignore_index=True)
    return [f"### {title} ({len(datasets)} data sets)", "", _md(both, ".2f"), ""]
