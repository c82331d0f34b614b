#!/usr/bin/env bash
# Corpus embedding throughput (issue #5: docs/s ≥ 2× the numpy reference): RagTune vs the numpy
# float32 reference on the same SciFact documents, texts to vectors (tokenization included), at 1
# and 2 threads, in one run. Both sides build inputs as BEIR does ((title + " " + text).strip()),
# truncate WordPiece at 256 tokens as sentence-transformers does for all-MiniLM-L6-v2, sort by
# length and batch 32; numpy pads each batch to its longest member and masks, RagTune packs.
# Before timing, the vectors of the first documents and all token counts are compared.
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this command only (they slow a current
# OpenBLAS); the kernel each side uses is printed.
#
# Environment: LIMIT (documents, default 256; 0 = all 5,183), ROUNDS (default 3, median reported),
# CORPUS (default ../shared/data/scifact/corpus.jsonl), SCRATCH (SwiftPM scratch path, default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
python3 -m pip install -q --disable-pip-version-check numpy threadpoolctl scipy tokenizers >&2
scratch="${SCRATCH:-.build}"
[ -x "$scratch/release/ragtune" ] || swift build -c release --product ragtune --scratch-path "$scratch" >&2
models="${RAGTUNE_HOME:-$HOME/.cache/ragtune}/models"
corpus="${CORPUS:-../shared/data/scifact/corpus.jsonl}"
limit="${LIMIT:-256}"
rounds="${ROUNDS:-3}"
limit_flag=()
[ "$limit" -gt 0 ] && limit_flag=(--limit "$limit")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ours=$("$scratch/release/ragtune" bench embed-corpus --json --corpus "$corpus" "${limit_flag[@]}" \
    --rounds "$rounds" --vectors-out "$tmp/ragtune.json")
reference() { # threads
    OPENBLAS_NUM_THREADS=$1 OMP_NUM_THREADS=$1 RAYON_NUM_THREADS=$1 python3 Benchmarks/minilm_numpy.py \
        --model-dir "$models/minilm" --corpus "$corpus" --limit "$limit" --rounds "$rounds" \
        --vectors-out "$tmp/numpy$1.json"
}
np1=$(reference 1)
np2=$(reference 2)

python3 - "$ours" "$np1" "$np2" "$tmp" <<'PY'
import json, sys
import numpy as np
ours, np1, np2, tmp = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
a, b = json.load(open(f"{tmp}/ragtune.json")), json.load(open(f"{tmp}/numpy1.json"))
if a["lengths"] != b["lengths"]:
    bad = sum(x != y for x, y in zip(a["lengths"], b["lengths"]))
    sys.exit(f"token counts differ on {bad} of {len(a['lengths'])} documents: not the same computation")
k = min(len(a["vectors"]), len(b["vectors"]))
diff = float(np.abs(np.array(a["vectors"][:k]) - np.array(b["vectors"][:k])).max())
if diff > 1e-5:
    sys.exit(f"vectors differ by {diff:.1e} (> 1e-5) on the first {k} docs: not the same computation")
m = ours["machine"]
print(f"CPU: {m['cpu']} ({m['logical_cores']} cores), SIMD: {' '.join(m['simd'])}")
print(f"RagTune OpenBLAS kernel: {m['openblas_core']}; numpy {np1['numpy']} BLAS: {np1['blas']}")
print(f"Corpus: {ours['corpus']}, {ours['docs']} docs, {ours['tokens']} tokens "
      f"({ours['tokens'] / ours['docs']:.1f}/doc, max {ours['max_length']}), batch {ours['batch_size']}, "
      f"{ours['gflop_total'] / ours['docs']:.2f} GFLOP/doc")
print(f"Same computation: token counts equal on all {ours['docs']} docs; "
      f"max abs vector difference {diff:.1e} over the first {k} docs")
print(f"{'threads':>7} {'ragtune docs/s':>15} {'numpy docs/s':>13} {'vs numpy':>9} {'tokens/s':>9} "
      f"{'GFLOP/s':>8} {'SGEMM peak':>11} {'of peak':>8} {'tok. s':>7} {'np tok. s':>9}")
for r, ref in zip(ours["results"], [np1, np2]):
    print(f"{r['threads']:>7} {r['docs_per_second']:>15.2f} {ref['docs_per_second']:>13.2f} "
          f"{r['docs_per_second'] / ref['docs_per_second']:>8.2f}x {r['tokens_per_second']:>9.0f} "
          f"{r['gflops']:>8.1f} {r['sgemm_peak_gflops']:>11.1f} {100 * r['fraction_of_peak']:>7.0f}% "
          f"{r['tokenize_seconds']:>7.2f} {ref['tokenize_seconds']:>9.2f}")
print("rounds (docs/s): " + "; ".join(
    f"{r['threads']}t ragtune {['%.2f' % x for x in r['docs_per_second_rounds']]} numpy {['%.2f' % x for x in ref['docs_per_second_rounds']]}"
    for r, ref in zip(ours["results"], [np1, np2])))
PY
