"""Data-parallel meta-training (2 CPU processes, gloo) matches one process on the same tasks."""
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from sklearn_meta.meta_learning import MetaConfig, MetaTrainer, load_uci121

NAMES = ["balance-scale", "glass", "ecoli", "pima", "seeds", "yeast"]


def _cfg():
    return MetaConfig(algorithm="fomaml", n_steps=4, meta_batch=8, encoder_steps=0,
                      support_sizes=(16,), seed=5)


def _worker(rank, world, port, home, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        tr = MetaTrainer(load_uci121(home, names=NAMES), _cfg(), device="cpu", progress=False)
        tr.train()
        if rank == 0:
            torch.save(tr.net.state_dict(), out)
        dist.barrier()  # no rank tears gloo down while another is still using it
    finally:
        dist.destroy_process_group()


def test_two_processes_match_one(uci_home, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "ddp.pt"
    mp.spawn(_worker, args=(2, port, str(uci_home), str(out)), nprocs=2, join=True)
    single = MetaTrainer(load_uci121(uci_home, names=NAMES), _cfg(), device="cpu",
                         progress=False)
    single.train()
    ddp = torch.load(out)
    for k, v in single.net.state_dict().items():
        assert torch.allclose(v, ddp[k], atol=1e-5, rtol=1e-4), k
