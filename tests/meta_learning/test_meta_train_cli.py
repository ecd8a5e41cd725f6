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
    # shareable like the manifest (safetensors itself writes 0600)
    assert (out / "weights.safetensors").stat().st_mode & 0o044 == 0o044
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, 60)
    clf = MetaMLPClassifier(init=str(out), max_iter=3).fit(X, y)
    assert clf.init_ == str(out)


def test_meta_train_with_synthetic_tasks_records_them(uci_home, tmp_path):
    """--synthetic-tasks adds tasks from the random prior; the manifest names each one and
    the generator, so the artifact's training list stays exact."""
    out = tmp_path / "syn"
    assert main(["meta-train", "--data-home", str(uci_home), "--tasks", "seeds,pima",
                 "--exclude-file", str(tmp_path / "none.txt"), "--out", str(out)]) == 2
    (tmp_path / "none.txt").write_text("glass\n")
    assert main(["meta-train", "--data-home", str(uci_home), "--tasks", "seeds,pima",
                 "--exclude-file", str(tmp_path / "none.txt"), "--out", str(out),
                 "--steps", "2", "--meta-batch", "4", "--encoder-steps", "0",
                 "--synthetic-tasks", "3", "--synthetic-seed", "7", "--no-progress"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["training_tasks"] == ["pima", "seeds", "synthetic-7-0", "synthetic-7-1",
                                   "synthetic-7-2"]
    assert m["synthetic_tasks"] == {"n_tasks": 3, "seed": 7, "generator_version": 1,
                                    "generator": "sklearn_meta.meta_learning.synthetic"}



@pytest.mark.parametrize("argv, match", [
    (["--hidden", "0"], "argument --hidden: expected a positive integer, got '0'"),
    (["--inner-lr", "-1"], "argument --inner-lr: expected a number in [0.001, 1], got '-1'"),
    (["--inner-lr", "5"], "argument --inner-lr: expected a number in [0.001, 1], got '5'"),
    (["--seed", "-1"], "argument --seed: expected an integer in [0, 2**32 - 1], got '-1'"),
    (["--seed", "99999999999999999999"], "argument --seed: expected an integer in [0, 2**32"),
    (["--outer-lr", "0"], "argument --outer-lr: expected a positive number, got '0'"),
    (["--device", "nope"], "argument --device: expected 'auto' or a torch device"),
    (["--encoder-steps", "-3"], "argument --encoder-steps: expected a non-negative integer"),
    (["--steps", "0"], "argument --steps: expected a positive integer, got '0'"),
    (["--proto-weight", "nan"], "argument --proto-weight: expected a number >= 0, got 'nan'"),
    (["--input-noise", "-3"], "argument --input-noise: expected a number >= 0, got '-3'"),
    (["--synthetic-tasks", "-1"], "argument --synthetic-tasks: expected a non-negative"),
    (["--tasks", " , "], "argument --tasks: expected comma-separated names"),
])
def test_meta_train_bad_arguments_are_usage_errors(argv, match, tmp_path, usage_error):
    assert match in usage_error(["meta-train", "--out", str(tmp_path), *argv])


def test_meta_train_out_that_is_a_file_is_a_one_line_error(uci_home, tmp_path, usage_error):
    afile = tmp_path / "afile"
    afile.write_text("")
    err = usage_error(["meta-train", "--data-home", str(uci_home), "--tasks", "glass,iris",
                       "--exclude-file", str(afile), "--steps", "1", "--encoder-steps", "0",
                       "--kb", "none", "--out", str(afile)])
    assert "argument --out" in err and "is a file; expected a folder" in err
    assert "Traceback" not in err


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


def test_meta_train_refuses_unknown_exclude_names_and_foreign_checkpoints(uci_home, tmp_path,
                                                                         capsys):
    typo = tmp_path / "heldout.txt"
    typo.write_text("glas\n")  # a typo would leave glass in the training set
    out = tmp_path / "art"
    base = ["meta-train", "--data-home", str(uci_home), "--out", str(out), "--steps", "1",
            "--encoder-steps", "0", "--kb", "none", "--no-progress"]
    assert main([*base, "--exclude-file", str(typo)]) == 2
    err = capsys.readouterr().err
    assert "--exclude-file" in err and "unknown task names ['glas']" in err
    typo.write_text("glass\n")
    out.mkdir()
    (out / "checkpoint.pt").write_text("garbage\n")
    assert main([*base, "--exclude-file", str(typo), "--tasks", "iris, wine"]) == 2
    err = capsys.readouterr().err
    assert "checkpoint.pt: not a readable meta-training checkpoint" in err
    assert "Traceback" not in err


def test_meta_train_keeps_a_finished_artifact_and_records_total_time(uci_home, tmp_path,
                                                                    capsys):
    """A finished artifact without checkpoint is not replaced unless --overwrite; with
    --encoder-steps 0 no knowledge base is said to supervise an encoder; the manifest keeps
    the training time of every run of a resumed artifact."""
    held = tmp_path / "heldout.txt"
    held.write_text("glass\n")
    out = tmp_path / "art"
    base = ["meta-train", "--data-home", str(uci_home), "--tasks", "ecoli,seeds,pima",
            "--exclude-file", str(held), "--out", str(out), "--steps", "3", "--meta-batch", "2",
            "--encoder-steps", "0", "--no-progress"]
    assert main(base) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["encoder"] is None and m["encoder_supervision"] is None
    total = m["metrics"]["train_seconds_total"]
    assert total > 0
    assert main(base) == 0  # finished run found in its checkpoint: nothing lost
    m2 = json.loads((out / "manifest.json").read_text())
    assert m2["metrics"]["train_seconds_total"] >= total
    assert m2["metrics"]["train_seconds_this_run"] < m2["metrics"]["train_seconds_total"]
    (out / "checkpoint.pt").unlink()
    capsys.readouterr()
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "--overwrite" in err and "Traceback" not in err
    assert main([*base, "--overwrite"]) == 0
    other = [a if a != "3" else "4" for a in base]  # --steps 4: other settings
    assert main(other) == 2  # its checkpoint was made with --steps 3: refused
    assert main([*other, "--overwrite"]) == 0  # starts over, the old checkpoint discarded
    assert json.loads((out / "manifest.json").read_text())["hyperparameters"]["n_steps"] == 4


def test_process_device_under_torchrun(monkeypatch):
    """Each torchrun process takes its own GPU; 'auto' falls back to the CPU (for every rank
    alike) when the node has fewer GPUs than processes, an explicit 'cuda' is refused."""
    from sklearn_meta.cli.meta_train import process_device

    chosen = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "set_device", chosen.append)
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert process_device("auto") == "cuda:1"
    assert process_device("cuda") == "cuda:1"
    assert process_device("cpu") == "cpu"
    assert chosen == [torch.device("cuda", 1)] * 2
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert process_device("auto") == "cpu"
    with pytest.raises(ValueError, match="2 processes on this node but only 1 CUDA device"):
        process_device("cuda")
