#!/bin/bash
# GPU checks of meta-training, run from the repository root on a machine with a CUDA GPU:
#   SKLEARN_META_DATA=/path/holding/uci121 OUT=/tmp/gpu bash benchmarks/gpu_check.sh
# 1. meta-train on cuda (bf16 autocast), interrupted with Ctrl-C and resumed, compared with
#    an uninterrupted run of the same seed; 2. the GPU-trained artifact used by
#    MetaMLPClassifier (CPU fit) on held-out tasks; 3. torchrun with NCCL; 4. the
#    batched-vs-loop throughput benchmark on the GPU; 5. the meta-learning tests with CUDA
#    visible (where `device="auto"` takes the GPU); QUICK=1 skips 4-5.
# Results: benchmarks/results/gpu_check.md.
set -u
: "${SKLEARN_META_DATA:?set SKLEARN_META_DATA to the folder that holds uci121/}"
OUT=${OUT:-/tmp/sklearn-meta-gpu}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$PWD
T0=$(date +%s)
stamp() { echo "=== [$(( $(date +%s) - T0 )) s] $*"; }
sm() { python3 -c 'import sys; from sklearn_meta.cli.main import main; sys.exit(main())' "$@"; }
TRAIN=(meta-train --device cuda --steps 160 --encoder-steps 40 --no-progress)
stamp env
nvidia-smi -L
python3 -c "import torch, sklearn, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0), 'sklearn', sklearn.__version__, 'numpy', numpy.__version__)"
stamp "1. meta-train on cuda: Ctrl-C after 25 s, resumed; then the same seed uninterrupted"
timeout -s INT 25 python3 -c 'import sys; from sklearn_meta.cli.main import main; sys.exit(main())' \
    "${TRAIN[@]}" --out "$OUT/resumed" --overwrite > "$OUT/train_interrupted.log" 2>&1
echo "interrupted rc=$?"; tail -2 "$OUT/train_interrupted.log"
sm "${TRAIN[@]}" --out "$OUT/resumed" > "$OUT/train_resumed.log" 2>&1; echo "resume rc=$?"
sm "${TRAIN[@]}" --out "$OUT/straight" --overwrite > "$OUT/train_straight.log" 2>&1; echo "uninterrupted rc=$?"
OUT=$OUT python3 - <<'PY'
import os
from safetensors.torch import load_file
a = load_file(os.environ["OUT"] + "/resumed/weights.safetensors")
b = load_file(os.environ["OUT"] + "/straight/weights.safetensors")
d = max(float((a[k].float() - b[k].float()).abs().max()) for k in a)
print(f"max |weight difference| resumed vs uninterrupted: {d} ({len(a)} tensors)")
PY
stamp "2. the GPU-trained artifact in MetaMLPClassifier (CPU fit), 64 rows of held-out tasks"
OUT=$OUT python3 - <<'PY'
import os
from sklearn.model_selection import train_test_split
from sklearn_meta import MetaMLPClassifier
from sklearn_meta.meta_learning import load_uci121
art = os.environ["OUT"] + "/straight"
for t in load_uci121(os.environ["SKLEARN_META_DATA"], names=["wine", "statlog-heart", "pendigits"]):
    Xtr, Xte, ytr, yte = train_test_split(t.X, t.y, train_size=64, stratify=t.y, random_state=0)
    acc = [MetaMLPClassifier(init=i, random_state=0).fit(Xtr, ytr).score(Xte, yte)
           for i in (art, "pretrained", "random")]
    print(t.name, "gpu-trained %.3f shipped %.3f random %.3f" % tuple(acc))
PY
stamp "3. torchrun, 1 process, NCCL"
torchrun --standalone --nproc_per_node=1 -m sklearn_meta.cli.meta_train meta-train --device auto \
    --steps 20 --encoder-steps 0 --out "$OUT/ddp" --overwrite --no-progress > "$OUT/ddp.log" 2>&1
echo "torchrun rc=$?"; grep -E '"(world_size|device)"' "$OUT/ddp/manifest.json"
if [ -n "${QUICK:-}" ]; then stamp "done (QUICK: steps 4-5 skipped)"; exit 0; fi
stamp "4. throughput benchmark on cuda"
timeout 200 python3 benchmarks/bench_meta_training.py --data-home "$SKLEARN_META_DATA" \
    --device cuda --out "$OUT" --meta-batches 16,64 --repeats 5 2>&1 | tail -8
stamp "5. tests/meta_learning with CUDA visible"
timeout 330 python3 -m pytest -q -p no:cacheprovider tests/meta_learning 2>&1 | tail -4
stamp done
