"""`sklearn-meta demo` on one bundled task: every stage runs and the outputs are real."""
from __future__ import annotations

import json

from sklearn_meta.cli.main import main


def test_demo_on_iris(tmp_path, capsys):
    import matplotlib.image as mpimg

    assert main(["demo", "--tasks", "iris", "--n-trials", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for stage in ("1. Tasks", "2. Meta-features", "3. Task embedding", "4. Warm-started",
                  "5. MetaMLP", "What was measured"):
        assert stage in out
    assert "held out of artifacts" in out
    results = json.loads((tmp_path / "demo_results.json").read_text())
    assert len(results["search"]) == 1 and len(results["metamlp"]) == 2
    for row in results["metamlp"]:
        assert 0.5 < row["MetaMLP pretrained"] <= 1.0  # iris: far above chance (1/3)
    img = mpimg.imread(tmp_path / "demo.png")
    assert img.shape[0] > 100 and img.std() > 0.01
