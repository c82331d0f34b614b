"""Reference numbers for HNSWIndex: hnswlib (inner-product space) on the same seeded data as
Tests/RetrievalTests/HNSWIndexTests.swift (5,000 normalized 64-d vectors, 200 queries, SplitMix64
seed 42, M 16, efConstruction 200), recall@10 against exact search at efSearch 16/32/64/128.
Usage: python3 Benchmarks/hnsw_reference.py  (needs `pip install hnswlib numpy`; 1 thread)."""
import time

import hnswlib
import numpy as np

MASK = (1 << 64) - 1


def splitmix_floats(seed, n):
    """SplitMix64.float(-1, 1) as in Sources/Tensor/SplitMix64.swift, n values."""
    state, out = seed, np.empty(n, dtype=np.float32)
    for i in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        out[i] = np.float32(-1) + np.float32(2) * np.float32(z >> 40) / np.float32(1 << 24)
    return out, state


def main():
    n, nq, dim = 5000, 200, 64
    values, _ = splitmix_floats(42, (n + nq) * dim)
    x = values.reshape(n + nq, dim)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    docs, queries = x[:n], x[n:]
    truth = np.argsort(-(queries @ docs.T), axis=1)[:, :10]
    index = hnswlib.Index(space="ip", dim=dim)
    index.init_index(max_elements=n, M=16, ef_construction=200, random_seed=42)
    index.set_num_threads(1)
    start = time.time()
    index.add_items(docs, np.arange(n))
    print(f"hnswlib build: {time.time() - start:.2f} s (1 thread)")
    for ef in (16, 32, 64, 128):
        index.set_ef(ef)
        start = time.time()
        labels, _ = index.knn_query(queries, k=10)
        elapsed = time.time() - start
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(labels, truth)])
        print(f"hnswlib efSearch {ef}: recall@10 {recall:.4f}, {nq / elapsed:.0f} queries/s")


if __name__ == "__main__":
    main()
