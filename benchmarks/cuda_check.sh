#!/usr/bin/env bash
# The recorded CUDA run of the deep adapters (docs/deep.md): run from the
# repository root on a machine with an NVIDIA GPU. Writes into $OUT (default
# build/cuda-check). Optional: wheels in .whl/ (skorch, skada and what they
# need) are installed into /tmp/site first, and a data folder in .data/ is
# used instead of ../shared/data (for a machine that has neither).
set -uo pipefail
OUT=${OUT:-build/cuda-check}
mkdir -p "$OUT"
if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
else
    export PYTHONPATH=$PWD
fi
DATA=../shared/data
[ -d .data ] && DATA=.data
export PYTHONUNBUFFERED=1
{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
    python3 -c "import sys, torch, sklearn, skorch; print('python', sys.version.split()[0], '| torch', torch.__version__, '| cuda', torch.version.cuda, '| sklearn', sklearn.__version__, '| skorch', skorch.__version__, '|', torch.cuda.get_device_name(0))"
} 2>&1 | tee "$OUT/environment.txt"
# 1. the deep tests on CUDA (the sklearn estimator checks stay on the CPU run)
SKTRANSFER_TEST_DEVICE=cuda timeout "${TEST_SECONDS:-240}" python3 -m pytest -q -p no:cacheprovider \
    tests/test_deep.py -k "not sklearn_estimator_checks" -rs 2>&1 | tee "$OUT/tests_cuda.log"
# 2. the deep benchmark: throughput against a hand-written loop, skada
timeout "${BENCH_SECONDS:-300}" python3 benchmarks/bench_deep.py --device cuda \
    --data-home "$DATA" --out "$OUT" ${BENCH_ARGS:-} 2>&1 | tee "$OUT/bench_deep.log"
[ -n "${SKIP_SUITE:-}" ] && exit 0
# 3. the deep nets in the benchmark suite, on the real tasks that fit the time
timeout "${SUITE_SECONDS:-240}" python3 benchmarks/suite.py --deep \
    --methods deep_source_only dann deep_coral dan mcd --families office heart wine \
    --seeds 1 --no-peers --no-scaling --no-published --data-home "$DATA" \
    --out-dir build/cuda-suite 2>&1 | tail -n 400 > "$OUT/suite.log"
cp build/cuda-suite/suite_results.csv "$OUT/suite_deep_results.csv" 2>/dev/null
cp build/cuda-suite/suite_results.md "$OUT/suite_deep_results.md" 2>/dev/null
true
