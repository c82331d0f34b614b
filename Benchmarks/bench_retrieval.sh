#!/usr/bin/env bash
# Retrieval on BEIR SciFact, all in one run: BM25 (RagTune vs bm25s: nDCG@10, indexing docs/s,
# queries/s at 1 and 2 threads), then exact and HNSW vector search (RagTune vs hnswlib/numpy on the
# same MiniLM vectors: build docs/s, queries/s and recall@10 vs exact at efSearch 10…256), each
# side by side with its reference and with ratios.
#   Benchmarks/bench_retrieval.sh [BEIR folder, default ../shared/data/scifact]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data/scifact}"
echo "== BM25: RagTune vs bm25s =="
bash Benchmarks/bench_bm25.sh "$data"
echo
echo "== Exact and HNSW vector search: RagTune vs hnswlib / numpy =="
bash Benchmarks/bench_hnsw.sh "$data"
