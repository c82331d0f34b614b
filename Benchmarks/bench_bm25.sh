#!/usr/bin/env bash
# BM25 on BEIR SciFact: RagTune vs bm25s (0.3.16, lucene, k1 1.2, b 0.75, English stopwords,
# PyStemmer) on the same data in one run: nDCG@10, indexing docs/s, queries/s at 1 and 2 threads
# (best of 3 each side, queries analysed at query time on both sides).
#   Benchmarks/bench_bm25.sh [BEIR folder, default ../shared/data/scifact]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data/scifact}"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
python3 -m pip install -q --disable-pip-version-check bm25s==0.3.16 PyStemmer==3.1.0 numba >&2
[ -x .build/release/ragtune ] || swift build -c release --product ragtune >&2
ours=$(.build/release/ragtune bench bm25 --data "$data" --json)
ref=$(python3 Benchmarks/bm25_reference.py "$data" --json)
python3 - "$ours" "$ref" <<'PY'
import json, sys
ours, ref = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"CPU: {ours['machine']['cpu']}; {ours['documents']} documents, {ours['queries']} queries")
print(f"nDCG@10: ragtune {ours['ndcg@10']:.4f}, bm25s {ref['ndcg@10']:.4f}")
print(f"indexing: ragtune {ours['index_docs_per_s']:.0f} docs/s, bm25s {ref['index_docs_per_s']:.0f} docs/s "
      f"({ours['index_docs_per_s'] / ref['index_docs_per_s']:.1f}x)")
for t in (1, 2):
    best = max(v for k, v in ref.items() if k.endswith(f"_{t}t_queries_per_s"))
    print(f"{t} thread(s): ragtune {ours[f'{t}t_queries_per_s']:.0f} queries/s, best bm25s backend {best:.0f} "
          f"({ours[f'{t}t_queries_per_s'] / best:.1f}x)")
PY
