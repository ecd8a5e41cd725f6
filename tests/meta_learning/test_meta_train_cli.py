"""The ``meta-train`` sub-command writes a loadable artifact usable as ``init=path``."""
import argparse
import json

import numpy as np

from sklearn_meta.cli.meta_train import register
from sklearn_meta.estimators import MetaMLPClassifier


def test_meta_train_command_end_to_end(uci_home, tmp_path):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    heldout = tmp_path / "heldout.txt"
    heldout.write_text("# test\nglass\n")
    out = tmp_path / "art"
    args = parser.parse_args(["meta-train", "--data-home", str(uci_home), "--algorithm",
                              "reptile", "--tasks", "balance-scale,ecoli,pima,seeds,glass",
                              "--exclude-file", str(heldout), "--out", str(out), "--steps", "4",
                              "--meta-batch", "4", "--encoder-steps", "2", "--no-progress"])
    assert args.func(args) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["algorithm"] == "reptile" and m["heldout_tasks"] == ["glass"]
    assert m["training_tasks"] == ["balance-scale", "ecoli", "pima", "seeds"]
    assert m["metrics"]["steps"] == 4
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, 60)
    clf = MetaMLPClassifier(init=str(out), max_iter=3).fit(X, y)
    assert clf.init_ == str(out)
