"""Batched functional meta-training on real uci121 tasks."""
import numpy as np
import pytest
import torch

from sklearn_meta.meta_learning import MetaConfig, MetaTrainer, derive_regression_tasks


def _losses(state):
    return [h["loss"] for h in state.history if "loss" in h and not h["regression"]]


@pytest.mark.parametrize("algorithm", ["fomaml", "reptile"])
def test_meta_loss_decreases(small_corpus, algorithm):
    # the prototype head starts far from a fitted model, so 60 steps show a clear decrease;
    # the closed-form ridge head starts close to one (tested in test_network)
    from sklearn_meta.nn import NetConfig
    cfg = MetaConfig(algorithm=algorithm, n_steps=60, meta_batch=8, encoder_steps=0,
                     support_sizes=(32,), outer_lr=3e-3, seed=0)
    state = MetaTrainer(small_corpus, cfg, NetConfig(head="proto"), device="cpu",
                        progress=False).train()
    losses = _losses(state)
    assert np.mean(losses[-15:]) < np.mean(losses[:15]) - 0.02


def test_ridge_head_meta_gradient_reaches_body_and_ridge(small_corpus):
    """Zero-step query loss through the closed-form ridge head (R2-D2): the body, the ridge
    strength and the logit scale all receive meta-gradients, batched == per-task loop."""
    cfg = MetaConfig(algorithm="reptile", meta_batch=4, encoder_steps=0, support_sizes=(16,),
                     proto_weight=3.0)
    tr = MetaTrainer(small_corpus, cfg, device="cpu", progress=False)
    batch = tr.sample_batch()
    noise = tr.input_noise(batch)
    g1, l1 = tr.meta_gradient(batch, batched=True, noise=noise)
    g2, l2 = tr.meta_gradient(batch, batched=False, noise=noise)
    for k in ("log_ridge", "log_head_scale", "log_input_noise", "fc1.weight", "col2.weight"):
        assert float(g1[k].abs().sum()) > 0, k
        assert torch.allclose(g1[k], g2[k], atol=1e-4, rtol=1e-3), k


def test_second_order_maml_runs_and_learns_step_size(small_corpus):
    cfg = MetaConfig(algorithm="maml", n_steps=3, meta_batch=4, inner_steps=2,
                     encoder_steps=0, support_sizes=(16,))
    tr = MetaTrainer(small_corpus, cfg, device="cpu", progress=False)
    g, loss = tr.meta_gradient(tr.sample_batch())
    assert torch.isfinite(loss)
    assert float(g["log_lr"].abs()) > 0  # only second order differentiates the step size
    tr.train()


def test_batched_matches_per_task_loop(small_corpus):
    cfg = MetaConfig(algorithm="fomaml", meta_batch=6, encoder_steps=0, support_sizes=(24,))
    tr = MetaTrainer(small_corpus, cfg, device="cpu", progress=False)
    batch = tr.sample_batch()
    noise = tr.input_noise(batch)
    g1, l1 = tr.meta_gradient(batch, batched=True, noise=noise)
    g2, l2 = tr.meta_gradient(batch, batched=False, noise=noise)
    assert abs(float(l1) - float(l2)) < 1e-4
    for k in g1:
        assert torch.allclose(g1[k], g2[k], atol=1e-4, rtol=1e-3), k


def test_deterministic_and_resume(small_corpus, tmp_path):
    def cfg(n):
        return MetaConfig(algorithm="reptile", n_steps=n, meta_batch=4, encoder_steps=3,
                          support_sizes=(16,), checkpoint_every=5, seed=3)
    a = MetaTrainer(small_corpus, cfg(10), device="cpu", progress=False)
    a.train()
    b = MetaTrainer(small_corpus, cfg(10), device="cpu", progress=False)
    b.train()
    for (k, v), w in zip(a.net.state_dict().items(), b.net.state_dict().values()):
        assert torch.equal(v, w), k
    # interrupted after 5 steps, then resumed from the checkpoint up to 10
    c = MetaTrainer(small_corpus, cfg(5), device="cpu", progress=False)
    c.train(tmp_path)
    c.cfg.n_steps = 10  # same run, longer: the checkpoint's config must match
    d = MetaTrainer(small_corpus, cfg(10), device="cpu", progress=False)
    ck = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    ck["cfg"]["n_steps"] = 10
    torch.save(ck, tmp_path / "checkpoint.pt")
    d.train(tmp_path)
    assert d.state.step == 10
    for (k, v), w in zip(a.net.state_dict().items(), d.net.state_dict().values()):
        assert torch.allclose(v, w, atol=1e-6), k


def test_nan_guard_keeps_parameters_finite(small_corpus):
    cfg = MetaConfig(algorithm="fomaml", n_steps=3, meta_batch=4, encoder_steps=0,
                     support_sizes=(16,))
    tr = MetaTrainer(small_corpus, cfg, device="cpu", progress=False)
    with torch.no_grad():  # a diverging step size (MetaConfig refuses one outside [1e-3, 1])
        tr.net.log_lr.fill_(np.log(1e6))
    tr.train()
    assert all(torch.isfinite(p).all() for p in tr.net.parameters())


def test_regression_meta_batches(small_corpus):
    reg = derive_regression_tasks(small_corpus)
    assert reg and all(t.regression and ":col" in t.name for t in reg)
    cfg = MetaConfig(algorithm="fomaml", n_steps=4, meta_batch=4, encoder_steps=0,
                     regression_every=2, support_sizes=(32,))
    state = MetaTrainer(small_corpus, cfg, device="cpu", regression_tasks=reg,
                        progress=False).train()
    assert sum(h["regression"] for h in state.history) == 2


def test_task_encoder_contrastive_loss_decreases(small_corpus):
    cfg = MetaConfig(encoder_steps=40, meta_batch=4)
    tr = MetaTrainer(small_corpus, cfg, device="cpu", progress=False)
    losses = tr.train_encoder(batch_tasks=8)
    assert np.mean(losses[-8:]) < np.mean(losses[:8])
    X, y = small_corpus[0].X, small_corpus[0].y
    e = tr.encoder.encode(X, y)
    assert e.shape == (tr.net.config.embed_dim,) and np.isfinite(e).all()


def test_bad_algorithm_is_named():
    with pytest.raises(ValueError, match="algorithm"):
        MetaConfig(algorithm="sgd")


def test_encoder_reads_meta_features_and_learns_kb_targets(small_corpus):
    """The encoder's meta input is the ``meta_features`` vector, and with per-task targets
    (e.g. knowledge-base configuration scores) its read-out learns to predict them."""
    import meta_features
    from sklearn_meta.nn.task_encoder import META_NAMES, task_meta_vector

    t = small_corpus[0]
    v = task_meta_vector(t.X, np.unique(t.y, return_inverse=True)[1])
    ref = meta_features.extract(t.X, t.y, groups=["general", "statistical", "info-theory"],
                                warn=False)
    assert v.shape == (len(META_NAMES),)
    assert v[list(META_NAMES).index("nr_class")] == pytest.approx(np.log1p(ref["nr_class"]))
    rng = np.random.default_rng(0)
    targets = {task.name: rng.uniform(size=6).astype(np.float32) for task in small_corpus[:6]}
    cfg = MetaConfig(algorithm="reptile", n_steps=1, meta_batch=4, encoder_steps=60,
                     support_sizes=(16, 32), seed=0)
    tr = MetaTrainer(small_corpus, cfg, device="cpu", progress=False, encoder_targets=targets)
    tr.train_encoder()
    mse = tr.encoder_target_losses
    assert np.mean(mse[-10:]) < 0.5 * np.mean(mse[:10])
    assert torch.all(tr.encoder.meta_scale > 0) and float(tr.encoder.meta_mean.abs().sum()) > 0


def test_resume_refuses_a_checkpoint_of_other_tasks_or_network(small_corpus, tmp_path):
    """The manifest lists the training tasks: resuming another run's checkpoint (other tasks,
    e.g. a changed held-out list, or another network) would make it describe other weights."""
    from sklearn_meta.nn import NetConfig

    cfg = MetaConfig(algorithm="reptile", n_steps=2, meta_batch=4, encoder_steps=0,
                     support_sizes=(16,))
    MetaTrainer(small_corpus, cfg, device="cpu", progress=False).train(tmp_path)
    with pytest.raises(ValueError, match="other tasks"):
        MetaTrainer(small_corpus[:-1], cfg, device="cpu", progress=False).train(tmp_path)
    with pytest.raises(ValueError, match="other net_config"):
        MetaTrainer(small_corpus, cfg, NetConfig(hidden=32), device="cpu",
                    progress=False).train(tmp_path)
    with pytest.raises(ValueError, match="other settings \\(inner_lr\\)"):
        MetaTrainer(small_corpus, MetaConfig(**{**cfg.to_dict(), "inner_lr": 0.5}),
                    device="cpu", progress=False).train(tmp_path)


def test_ctrl_c_checkpoints_the_finished_steps_and_resumes_exactly(small_corpus, tmp_path):
    """SIGINT during a step is held until the step is done; the checkpoint then holds that
    step, and resuming gives the weights of an uninterrupted run."""
    import os
    import signal

    def cfg():
        return MetaConfig(algorithm="reptile", n_steps=8, meta_batch=4, encoder_steps=2,
                          support_sizes=(16,), checkpoint_every=100, seed=1)

    ref = MetaTrainer(small_corpus, cfg(), device="cpu", progress=False)
    ref.train()
    tr = MetaTrainer(small_corpus, cfg(), device="cpu", progress=False)
    step = tr.step

    def interrupted_step():
        if tr.state.step == 3:
            os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of step 4
        return step()

    tr.step = interrupted_step
    with pytest.raises(KeyboardInterrupt):
        tr.train(tmp_path)
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=False)["step"] == 4
    resumed = MetaTrainer(small_corpus, cfg(), device="cpu", progress=False)
    resumed.train(tmp_path)
    assert resumed.state.step == 8
    for (k, v), w in zip(ref.net.state_dict().items(), resumed.net.state_dict().values()):
        assert torch.allclose(v, w, atol=1e-6), k


@pytest.mark.parametrize("kwargs, match", [
    (dict(checkpoint_every=0), "checkpoint_every must be >= 1"),
    (dict(support_sizes=()), "support_sizes must hold at least one size"),
    (dict(inner_lr=5.0), r"inner_lr must lie in \[0.001, 1\]"),
    (dict(seed=-1), "seed must be an integer"),
])
def test_meta_config_refuses_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MetaConfig(**kwargs)


def test_trainer_uses_the_configured_inner_step_and_refuses_non_finite_tasks():
    from sklearn.datasets import load_iris

    from sklearn_meta.meta_learning.corpus import CorpusTask

    X, y = load_iris(return_X_y=True)
    tr = MetaTrainer([CorpusTask("iris", X, y)], MetaConfig(inner_lr=0.5, encoder_steps=0),
                     device="cpu", progress=False)
    assert float(torch.exp(tr.net.log_lr.detach())) == pytest.approx(0.5)
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="task 'bad': X holds NaN or infinite values"):
        MetaTrainer([CorpusTask("iris", X, y), CorpusTask("bad", Xn, y)], MetaConfig(),
                    device="cpu", progress=False)


@pytest.mark.parametrize("regression", [False, True])
def test_bf16_autocast_meta_gradient_matches_float32(small_corpus, regression):
    """The mixed-precision path that meta-training takes on a GPU (bf16 autocast), run here
    on the CPU: the closed-form heads solve in float32 (linalg.solve takes no bf16), and the
    meta-gradient stays finite and close to the float32 one."""
    cfg = MetaConfig(algorithm="fomaml", meta_batch=4, encoder_steps=0, support_sizes=(32,))
    tasks = derive_regression_tasks(small_corpus) if regression else small_corpus
    tr = MetaTrainer(small_corpus, cfg, device="cpu", progress=False,
                     regression_tasks=tasks if regression else None)
    assert tr.amp_dtype is None
    batch = tr.sample_batch(regression=regression)
    noise = tr.input_noise(batch)
    g32, l32 = tr.meta_gradient(batch, regression=regression, noise=noise)
    tr.amp_dtype = torch.bfloat16
    g16, l16 = tr.meta_gradient(batch, regression=regression, noise=noise)
    assert torch.isfinite(l16) and abs(float(l16) - float(l32)) < 0.05 * abs(float(l32)) + 0.02
    flat32 = torch.cat([v.reshape(-1) for v in g32.values()])
    flat16 = torch.cat([g16[k].reshape(-1) for k in g32])
    assert flat16.dtype == torch.float32 and torch.isfinite(flat16).all()
    cos = torch.nn.functional.cosine_similarity(flat16, flat32, dim=0)
    assert cos > 0.9, float(cos)


@pytest.mark.parametrize("regression", [False, True])
def test_closed_form_heads_are_float32_under_bf16_autocast(small_corpus, regression):
    """On a GPU, autocast runs matrix products in bf16 and linalg.solve refuses mixed
    dtypes; the ridge heads are solved in float32 whatever autocast is on."""
    from sklearn_meta.nn import SchemaNet
    tasks = derive_regression_tasks(small_corpus) if regression else small_corpus
    cfg = MetaConfig(meta_batch=2, encoder_steps=0, support_sizes=(16,))
    tr = MetaTrainer(small_corpus, cfg, device="cpu", progress=False,
                     regression_tasks=tasks if regression else None)
    Xs, ys, ms, _, _, _, colmask, classmask, colfeat = (
        a[0] for a in tr.sample_batch(regression=regression).task(0).as_tuple()[:9])
    theta = {k: v.detach() for k, v in tr.net.meta_params().items()}
    emb = torch.zeros(tr.net.config.embed_dim)
    ref = SchemaNet.make_fast(theta, Xs, ys, ms, colmask, classmask, colfeat, emb, regression)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fast = SchemaNet.make_fast(theta, Xs, ys, ms, colmask, classmask, colfeat, emb,
                                   regression)
    heads = ("w_r", "w_x", "b_r") if regression else ("W_h", "W_x", "b_h")
    for k in heads:
        assert fast[k].dtype == torch.float32, (k, fast[k].dtype)
        # the body before the head ran in bf16: close, not equal
        assert float((fast[k] - ref[k]).norm()) <= 0.1 * float(ref[k].norm()) + 1e-3, k
