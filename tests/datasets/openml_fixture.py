"""Write small OpenML tasks in the openml package's own cache layout (openml 0.15).

Layout below ``<root>/org/openml/www`` (the cache folder openml uses for www.openml.org)::

    tasks/<tid>/task.xml, tasks/<tid>/datasplits.arff
    datasets/<did>/description.xml, datasets/<did>/features.xml,
    datasets/<did>/dataset_<did>.pq  (parquet)  and/or  datasets/<did>/dataset.arff

The XML carries the fields openml 0.15 parses (``openml/tasks/functions.py``
``_create_task_from_xml``, ``openml/datasets/functions.py`` ``_create_dataset_from_description``,
``openml/datasets/dataset.py`` ``_parse_features_xml``), in the shape openml.org serves them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import arff  # liac-arff, an openml dependency
import numpy as np
import pandas as pd

SERVER_DIR = Path("org") / "openml" / "www"
TASK_TYPES = {"classification": (1, "Supervised Classification"),
              "regression": (2, "Supervised Regression")}


@dataclass
class FixtureTask:
    """What was written, for the test to compare against."""

    task_id: int
    dataset_id: int
    name: str
    frame: pd.DataFrame          # all columns, target included, in file order
    target: str
    folds: list[tuple[np.ndarray, np.ndarray]]


def cache_dir(root: Path) -> Path:
    """openml's cache folder for www.openml.org below root cache directory ``root``."""
    return Path(root) / SERVER_DIR


def _tag(name: str, value: object) -> str:
    return f"<oml:{name}>{escape(str(value))}</oml:{name}>"


def task_xml(task_id: int, dataset_id: int, target: str, task_type: str, n_folds: int) -> str:
    type_id, type_name = TASK_TYPES[task_type]
    url = f"https://api.openml.org/api_splits/get/{task_id}/Task_{task_id}_splits.arff"
    params = {"number_repeats": 1, "number_folds": n_folds, "percentage": "",
              "stratified_sampling": "true" if task_type == "classification" else "false"}
    param_xml = "".join(f'<oml:parameter name="{k}">{v}</oml:parameter>' for k, v in params.items())
    return f"""<oml:task xmlns:oml="http://openml.org/openml">
{_tag("task_id", task_id)}
{_tag("task_name", f"Task {task_id}")}
{_tag("task_type_id", type_id)}
{_tag("task_type", type_name)}
<oml:input name="source_data"><oml:data_set>
{_tag("data_set_id", dataset_id)}{_tag("target_feature", target)}
</oml:data_set></oml:input>
<oml:input name="estimation_procedure"><oml:estimation_procedure>
{_tag("id", 1)}{_tag("type", "crossvalidation")}{_tag("data_splits_url", url)}
{param_xml}
</oml:estimation_procedure></oml:input>
<oml:input name="evaluation_measures"><oml:evaluation_measures>
{_tag("evaluation_measure", "predictive_accuracy")}
</oml:evaluation_measures></oml:input>
</oml:task>
"""


def description_xml(dataset_id: int, name: str, target: str, parquet_url: bool) -> str:
    pq = (_tag("parquet_url", f"http://openml1.win.tue.nl/dataset{dataset_id}/"
                              f"dataset_{dataset_id}.pq") if parquet_url else "")
    return f"""<oml:data_set_description xmlns:oml="http://openml.org/openml">
{_tag("id", dataset_id)}{_tag("name", name)}{_tag("version", 1)}
{_tag("description", "test fixture")}{_tag("format", "ARFF")}
{_tag("upload_date", "2014-04-06T23:23:39")}{_tag("licence", "Public")}
{_tag("url", f"https://api.openml.org/data/v1/download/{dataset_id}/{name}.arff")}
{pq}{_tag("file_id", dataset_id)}{_tag("default_target_attribute", target)}
{_tag("visibility", "public")}{_tag("status", "active")}
</oml:data_set_description>
"""


def features_xml(frame: pd.DataFrame, target: str) -> str:
    parts = []
    for i, col in enumerate(frame.columns):
        s = frame[col]
        nominal = isinstance(s.dtype, pd.CategoricalDtype)
        values = "".join(_tag("nominal_value", v) for v in s.cat.categories) if nominal else ""
        parts.append(
            "<oml:feature>" + _tag("index", i) + _tag("name", col)
            + _tag("data_type", "nominal" if nominal else "numeric") + values
            + _tag("is_target", str(col == target).lower()) + _tag("is_ignore", "false")
            + _tag("is_row_identifier", "false")
            + _tag("number_of_missing_values", int(s.isna().sum())) + "</oml:feature>")
    return ('<oml:data_features xmlns:oml="http://openml.org/openml">\n'
            + "\n".join(parts) + "\n</oml:data_features>\n")


def data_arff(frame: pd.DataFrame, name: str) -> str:
    attributes = [(col, [str(c) for c in frame[col].cat.categories]
                   if isinstance(frame[col].dtype, pd.CategoricalDtype) else "REAL")
                  for col in frame.columns]
    rows = frame.astype(object).values.tolist()
    return arff.dumps({"relation": name, "attributes": attributes, "data": rows})


def splits_arff(task_id: int, folds: list[tuple[np.ndarray, np.ndarray]]) -> str:
    rows = [[kind, int(r), 0, f] for f, (train, test) in enumerate(folds)
            for kind, idx in (("TRAIN", train), ("TEST", test)) for r in idx]
    return arff.dumps({"relation": f"Task_{task_id}_splits",
                       "attributes": [("type", ["TRAIN", "TEST"]), ("rowid", "INTEGER"),
                                      ("repeat", "INTEGER"), ("fold", "INTEGER")],
                       "data": rows})


def write_task(root: Path, task_id: int, dataset_id: int, name: str, frame: pd.DataFrame,
               target: str, task_type: str, folds: list[tuple[np.ndarray, np.ndarray]],
               data_format: str = "parquet", parquet_url: bool = True) -> FixtureTask:
    """Write one task and its dataset below root cache directory ``root``.

    ``data_format``: ``"parquet"`` writes ``dataset_<did>.pq`` (what openml 0.15 downloads),
    ``"arff"`` writes ``dataset.arff`` (older caches); ``parquet_url`` says whether the
    description advertises a parquet file.
    """
    base = cache_dir(root)
    tdir = base / "tasks" / str(task_id)
    ddir = base / "datasets" / str(dataset_id)
    tdir.mkdir(parents=True, exist_ok=True)
    ddir.mkdir(parents=True, exist_ok=True)
    (tdir / "task.xml").write_text(
        task_xml(task_id, dataset_id, target, task_type, len(folds)), encoding="utf8")
    (tdir / "datasplits.arff").write_text(splits_arff(task_id, folds), encoding="utf8")
    (ddir / "description.xml").write_text(
        description_xml(dataset_id, name, target, parquet_url), encoding="utf8")
    (ddir / "features.xml").write_text(features_xml(frame, target), encoding="utf8")
    if data_format == "parquet":
        frame.to_parquet(ddir / f"dataset_{dataset_id}.pq", index=False)
    else:
        (ddir / "dataset.arff").write_text(data_arff(frame, name), encoding="utf8")
    return FixtureTask(task_id, dataset_id, name, frame, target, folds)
