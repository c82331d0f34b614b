#!/usr/bin/env bash
# Embedding throughput: RagTune vs the numpy float32 reference, same model, same 128-token chunks,
# batch 32, at 1 and 2 threads, in one run. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this
# command only (they slow a current OpenBLAS); the kernel each side uses is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
python3 -m pip install -q --disable-pip-version-check numpy threadpoolctl scipy >&2
[ -x .build/release/ragtune ] || swift build -c release --product ragtune >&2
models="${RAGTUNE_HOME:-$HOME/.cache/ragtune}/models"
seconds="${SECONDS_PER_RUN:-9}"
ours=$(.build/release/ragtune bench embed --json --seconds "$seconds")
np1=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 Benchmarks/minilm_numpy.py --model-dir "$models/minilm" --seconds "$seconds")
np2=$(OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 python3 Benchmarks/minilm_numpy.py --model-dir "$models/minilm" --seconds "$seconds")
python3 - "$ours" "$np1" "$np2" <<'PY'
import json, sys
ours, np1, np2 = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
m = ours["machine"]
print(f"CPU: {m['cpu']} ({m['logical_cores']} cores), SIMD: {' '.join(m['simd'])}")
print(f"RagTune OpenBLAS kernel: {m['openblas_core']}; numpy BLAS: {np1['blas']}")
print(f"MiniLM, {ours['tokens_per_chunk']}-token chunks, batch {ours['batch_size']}, {ours['gflop_per_chunk']:.2f} GFLOP/chunk")
print(f"{'threads':>7} {'ragtune ch/s':>13} {'numpy ch/s':>11} {'vs numpy':>9} {'GFLOP/s':>8} {'SGEMM peak':>11} {'of peak':>8} {'read GB/s':>10}")
for r, ref in zip(ours["results"], [np1, np2]):
    print(f"{r['threads']:>7} {r['chunks_per_second']:>13.1f} {ref['chunks_per_second']:>11.1f} "
          f"{r['chunks_per_second'] / ref['chunks_per_second']:>8.2f}x {r['gflops']:>8.1f} {r['sgemm_peak_gflops']:>11.1f} "
          f"{100 * r['fraction_of_peak']:>7.0f}% {r['read_bandwidth_gbps']:>10.1f}")
PY
