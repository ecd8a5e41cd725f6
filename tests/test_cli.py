"""The `sklearn-meta` command line, run in-process."""
from __future__ import annotations

from sklearn_meta.cli.main import main


def test_datasets_list_uci121(data_home, capsys):
    assert main(["datasets", "list", "--suite", "uci121", "--data-home", str(data_home),
                 "--max-rows", "120"]) == 0
    out = capsys.readouterr().out
    assert "iris" not in out  # 150 rows > 120
    assert "balloons" in out and "tasks in suite 'uci121'" in out


def test_datasets_show_and_errors(capsys):
    assert main(["datasets", "show", "iris", "--suite", "sklearn"]) == 0
    out = capsys.readouterr().out
    assert "rows=150" in out and "class counts: 0: 50, 1: 50, 2: 50" in out
    assert main(["datasets", "show", "nope", "--suite", "sklearn"]) == 2
    assert "no task named 'nope'" in capsys.readouterr().err
