"""Publishing to OpenML refuses clearly when it cannot work (no key, bad task id)."""
from __future__ import annotations

import openml
import pytest
from sklearn.linear_model import LogisticRegression

from sklearn_meta.benchmark.openml_publish import publish_run
from sklearn_meta.cli.main import main


def test_publish_needs_an_api_key(monkeypatch, tmp_path):
    monkeypatch.setattr(openml.config, "apikey", "")
    with pytest.raises(ValueError, match="API key"):
        publish_run(LogisticRegression(), 31, tmp_path)
    with pytest.raises(ValueError, match="task_id must be a positive"):
        publish_run(LogisticRegression(), 0, tmp_path)


def test_publish_command_rejects_non_openml_tasks(capsys):
    assert main(["publish", "sklearn:iris", "--estimator", "logreg"]) == 2
    assert "openml:<task id>" in capsys.readouterr().err


def test_publish_command_checks_the_estimator_before_loading_the_task(monkeypatch, capsys):
    import sklearn_meta.datasets as datasets

    def no_download(*args, **kwargs):  # the task must not be fetched for a bad name
        raise AssertionError("load_task called before the estimator name was checked")

    monkeypatch.setattr(datasets, "load_task", no_download)
    assert main(["publish", "openml:31", "--estimator", "logistic"]) == 2
    err = capsys.readouterr().err
    assert "--estimator" in err and "unknown estimator 'logistic'" in err
