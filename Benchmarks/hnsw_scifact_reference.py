"""hnswlib on the vectors `ragtune bench hnsw` cached (MiniLM embeddings of a BEIR corpus and its
queries: docs.f32, queries.f32, meta.json), measured as the Swift side measures itself:
build docs/s (M 16, efConstruction 200, random_seed 42, inner-product space) at 1 and 2 threads,
queries/s and recall@10 against exact search at each efSearch and thread count; every point runs
all queries repeatedly for at least --seconds after one warm-up pass, three rounds, median (per
wall-clock second, and per CPU second of the process, the steadier figure on a shared machine).
Exact search is numpy's float32 matmul (OpenBLAS) + argpartition, thread count set with threadpoolctl.
Usage: python3 Benchmarks/hnsw_scifact_reference.py CACHE_FOLDER [--ef-search 10,16,...] [--json]"""
import argparse
import json
import time
from importlib.metadata import version

import hnswlib
import numpy as np
from threadpoolctl import threadpool_limits


def load(folder):
    meta = json.load(open(f"{folder}/meta.json"))
    dim = meta["dimension"]
    docs = np.fromfile(f"{folder}/docs.f32", dtype="<f4").reshape(meta["documents"], dim)
    queries = np.fromfile(f"{folder}/queries.f32", dtype="<f4").reshape(meta["queries"], dim)
    return docs, queries


def median3(body, seconds, per_call):
    """Queries per wall-clock second (median of three rounds, all rounds) and per CPU second of
    the process (median): one warm-up call, then each round repeats `body` for at least `seconds`."""
    body()
    wall, cpu = [], []
    for _ in range(3):
        runs, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while True:
            body()
            runs += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        wall.append(runs * per_call / elapsed)
        cpu.append(runs * per_call / max(1e-9, time.process_time() - cpu_start))
    wall.sort()
    cpu.sort()
    return wall[1], wall, cpu[1]


def exact_top(docs, queries, k):
    """Best k documents per query by inner product, best first (ties to the lower index)."""
    out = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), 256):
        scores = queries[start:start + 256] @ docs.T
        part = np.argpartition(-scores, k, axis=1)[:, :k]
        rows = np.arange(len(part))[:, None]
        order = np.lexsort((part, -scores[rows, part]), axis=1)
        out[start:start + 256] = part[rows, order]
    return out


def recall(labels, truth):
    k = truth.shape[1]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(labels, truth)]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument("--ef-search", default="10,16,32,64,128,256")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    docs, queries = load(args.folder)
    n, dim, k = len(docs), docs.shape[1], 10
    efs = [int(e) for e in args.ef_search.split(",")]
    thread_counts = [int(t) for t in args.threads.split(",")]
    report = {"documents": n, "queries": len(queries), "dimension": dim, "hnswlib": version("hnswlib"),
              "numpy": np.__version__, "build": {}, "exact": {}, "search": []}

    def build(threads):
        index = hnswlib.Index(space="ip", dim=dim)
        index.init_index(max_elements=n, M=args.m, ef_construction=args.ef_construction, random_seed=42)
        index.set_num_threads(threads)
        start = time.perf_counter()
        index.add_items(docs, np.arange(n))
        return index, time.perf_counter() - start

    index = None
    for t in thread_counts:
        times = []
        for _ in range(3):
            built, seconds = build(t)
            times.append(seconds)
            if t == 1:
                index = built
        times.sort()
        report["build"][f"{t}t_docs_per_s"] = n / times[1]
    if index is None:
        index, _ = build(1)
    truth = exact_top(docs, queries, k)
    for t in thread_counts:
        with threadpool_limits(limits=t, user_api="blas"):
            report["exact"][f"{t}t_queries_per_s"] = median3(lambda: exact_top(docs, queries, k), args.seconds,
                                                             len(queries))[0]
        for ef in efs:
            index.set_ef(ef)
            labels, _ = index.knn_query(queries, k=k, num_threads=t)
            qps, rounds, cpu = median3(lambda: index.knn_query(queries, k=k, num_threads=t), args.seconds,
                                       len(queries))
            report["search"].append({"threads": t, "ef_search": ef, "recall@10": recall(labels, truth),
                                     "queries_per_s": qps, "queries_per_s_rounds": rounds, "queries_per_cpu_s": cpu})
            if not args.json:
                print(f"hnswlib threads {t} efSearch {ef}: recall@10 {report['search'][-1]['recall@10']:.4f}, "
                      f"{qps:.0f} queries/s ({cpu:.0f} per CPU second)")
    if args.json:
        print(json.dumps(report))
    else:
        print(json.dumps(report["build"]), json.dumps(report["exact"]))


if __name__ == "__main__":
    main()
