"""Published results on uci121, read from ``<data_home>/published/`` and kept labelled."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

ARORA_TABLE1 = {"NTK": 81.95, "RF (rf_caret)": 81.56, "Gaussian SVM (svm_C)": 81.03,
                "NN with He init": 80.88}


def read_delgado(folder: Path) -> pd.DataFrame:
    """Accuracy (%) of 179 classifiers (columns) on the data sets (index); NaN where failed."""
    path = Path(folder) / "delgado2014_accuracy.txt.gz"
    frame = pd.read_csv(path, sep=r"\s+", na_values=["--"], index_col=0, engine="python")
    frame = frame[~frame.index.astype(str).str.startswith("-")]
    frame = frame.drop(index=[i for i in ("mean", "std") if i in frame.index])
    return frame.apply(pd.to_numeric, errors="coerce")


def read_arora_list(folder: Path) -> list[str]:
    """The 90 data sets of Arora et al. (2020), Table 1."""
    text = (Path(folder) / "arora2020_uci90.txt").read_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_klambauer(folder: Path) -> pd.DataFrame:
    """Klambauer et al. (2017) Table A11: accuracy (fraction) of seven nets, one split."""
    return pd.read_csv(Path(folder) / "klambauer2017_snn_table_a11.tsv", sep="\t",
                       index_col="dataset")


def published_summary(folder: Path, datasets: list[str]) -> pd.DataFrame:
    """Mean published accuracy (%) over ``datasets`` for the reference classifiers."""
    folder = Path(folder)
    rows = []
    delgado = read_delgado(folder)
    common = [d for d in datasets if d in delgado.index]
    for col in ("rf_caret", "svm_C", "parRF_caret", "elm_kernel_matlab"):
        if col in delgado.columns:
            rows.append({"source": "Fernández-Delgado et al. 2014 (published)",
                         "method": col, "datasets": len(common),
                         "mean_accuracy_%": delgado.loc[common, col].mean()})
    rows.append({"source": "Fernández-Delgado et al. 2014 (published)",
                 "method": "best of 179 per data set", "datasets": len(common),
                 "mean_accuracy_%": delgado.loc[common].max(axis=1).mean()})
    snn = read_klambauer(folder)
    common_snn = [d for d in datasets if d in snn.index]
    if "SNN" in snn.columns and common_snn:
        rows.append({"source": "Klambauer et al. 2017 (published, one split)", "method": "SNN",
                     "datasets": len(common_snn),
                     "mean_accuracy_%": 100 * snn.loc[common_snn, "SNN"].mean()})
    return pd.DataFrame(rows)
