"""The ``meta-train`` sub-command writes a loadable artifact usable as ``init=path``."""
import argparse
import json

import numpy as np
import pytest
import torch

from sklearn_meta.cli.main import main
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



@pytest.mark.parametrize("argv, match", [
    (["--hidden", "0"], "argument --hidden: expected a positive integer, got '0'"),
    (["--inner-lr", "-1"], "argument --inner-lr: expected a positive number, got '-1'"),
    (["--outer-lr", "0"], "argument --outer-lr: expected a positive number, got '0'"),
    (["--device", "nope"], "argument --device: expected 'auto' or a torch device"),
    (["--encoder-steps", "-3"], "argument --encoder-steps: expected a non-negative integer"),
    (["--steps", "0"], "argument --steps: expected a positive integer, got '0'"),
])
def test_meta_train_bad_arguments_are_usage_errors(argv, match, tmp_path, usage_error):
    assert match in usage_error(["meta-train", "--out", str(tmp_path), *argv])


def test_meta_train_out_that_is_a_file_is_a_one_line_error(uci_home, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("")
    assert main(["meta-train", "--data-home", str(uci_home), "--tasks", "glass,iris",
                 "--exclude-file", str(afile), "--steps", "1", "--encoder-steps", "0",
                 "--kb", "none", "--out", str(afile)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sklearn-meta meta-train: error:") and "Traceback" not in err


def test_meta_train_device_cuda_without_cuda(tmp_path, usage_error):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    err = usage_error(["meta-train", "--out", str(tmp_path), "--device", "cuda"])
    assert "argument --device: 'cuda' requested but CUDA is not available" in err


def test_meta_train_says_why_requested_tasks_are_dropped(uci_home, tmp_path, capsys):
    heldout = tmp_path / "heldout.txt"
    heldout.write_text("glass\ncardiotocography-3clases\n")
    base = ["meta-train", "--data-home", str(uci_home), "--exclude-file", str(heldout),
            "--out", str(tmp_path / "art")]
    assert main([*base, "--tasks", "glass,cardiotocography-10clases"]) == 2
    err = capsys.readouterr().err
    assert ("--tasks: no task left to train on: glass (held out: listed in heldout.txt), "
            "cardiotocography-10clases (same data as held-out task "
            "'cardiotocography-3clases')") in err
    assert main([*base, "--tasks", "glass,balloons"]) == 2  # balloons: 16 rows
    err = capsys.readouterr().err
    assert "not training on glass (held out: listed in heldout.txt)" in err
    assert "after filtering (fewer than 40 rows: balloons)" in err
