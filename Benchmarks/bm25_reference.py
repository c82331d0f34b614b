"""bm25s reference numbers for RagTune's BM25 on BEIR SciFact (same machine, same data).

Indexes title + " " + text with bm25s (method="lucene", k1=1.2, b=0.75, stopwords="en",
PyStemmer english), runs every query that has qrels, and prints nDCG@10 (binary relevance,
BEIR/pytrec_eval definition), indexing docs/s and queries/s with 1 and 2 threads, for the
numpy backend and, when numba is installed, the numba backend. Query timings include query
tokenization and stemming, as RagTune's searches include analysis (retrieval of pre-tokenized
queries is printed too). Timings are the best of 3 runs.

    pip install bm25s==0.3.16 PyStemmer==3.1.0 numba pytrec-eval-terrier   # numba, pytrec optional
    python Benchmarks/bm25_reference.py [../shared/data/scifact] [--qrels train] [--json]

RagTune's numbers on the same data come from the SciFact test (release build):

    swift build -c release -Xswiftc -enable-testing --build-tests
    .build/release/RagTunePackageTests.xctest --testing-library swift-testing --filter BM25SciFact
"""
import json, math, os, sys, time

import bm25s
import Stemmer

args = [a for a in sys.argv[1:] if not a.startswith("--")]
root = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "scifact")
split = sys.argv[sys.argv.index("--qrels") + 1] if "--qrels" in sys.argv else "train"
if split in args:
    args.remove(split)

corpus = [json.loads(line) for line in open(f"{root}/corpus.jsonl", encoding="utf-8")]
queries = {q["_id"]: q["text"] for q in map(json.loads, open(f"{root}/queries.jsonl", encoding="utf-8"))}
qrels = {}
with open(f"{root}/qrels/{split}.tsv", encoding="utf-8") as f:
    next(f)
    for line in f:
        qid, did, score = line.rstrip("\n").split("\t")
        if int(score) > 0:
            qrels.setdefault(qid, set()).add(did)
query_ids = [q for q in queries if q in qrels]
query_texts = [queries[q] for q in query_ids]
doc_ids = [d["_id"] for d in corpus]
texts = [d["title"] + " " + d["text"] for d in corpus]


def ndcg_at_10(ranked):
    """Mean nDCG@10 with binary gains: DCG = sum rel_i / log2(i + 1), ideal from the qrels."""
    total = 0.0
    for qid, docs in zip(query_ids, ranked):
        relevant = qrels[qid]
        dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(docs[:10]) if d in relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
        total += dcg / ideal
    return total / len(query_ids)


def pytrec_ndcg(ranked, scores):
    try:
        import pytrec_eval
    except ImportError:
        return None
    run = {qid: {d: float(s) for d, s in zip(docs, sc)} for qid, docs, sc in zip(query_ids, ranked, scores)}
    qrel = {qid: {d: 1 for d in qrels[qid]} for qid in query_ids}
    evaluator = pytrec_eval.RelevanceEvaluator(qrel, {"ndcg_cut.10"})
    per_query = evaluator.evaluate(run)
    return sum(v["ndcg_cut_10"] for v in per_query.values()) / len(per_query)


stemmer = Stemmer.Stemmer("english")


def best_of(repeats, fn):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def build():
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
    model = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    model.index(tokens, show_progress=False)
    return model


index_seconds, model = best_of(3, build)
report = {"documents": len(texts), "queries": len(query_ids), "qrels": split,
          "index_docs_per_s": len(texts) / index_seconds, "bm25s": bm25s.__version__}

backends = ["numpy"]
try:
    import numba  # noqa: F401
    backends.append("numba")
except ImportError:
    pass

for backend in backends:
    for threads in (1, 2):
        def run():
            q = bm25s.tokenize(query_texts, stopwords="en", stemmer=stemmer, show_progress=False)
            return model.retrieve(q, k=10, n_threads=threads, backend_selection=backend, show_progress=False)
        run()  # warm-up (numba compiles on first use)
        seconds, (docs, scores) = best_of(3, run)
        ranked = [[doc_ids[i] for i in row] for row in docs]
        report[f"{backend}_{threads}t_queries_per_s"] = len(query_ids) / seconds
        tokenized = bm25s.tokenize(query_texts, stopwords="en", stemmer=stemmer, show_progress=False)
        seconds, _ = best_of(3, lambda: model.retrieve(tokenized, k=10, n_threads=threads,
                                                       backend_selection=backend, show_progress=False))
        report[f"{backend}_{threads}t_retrieve_only_queries_per_s"] = len(query_ids) / seconds
        report["ndcg@10"] = ndcg_at_10(ranked)
        report["ndcg@10_pytrec_eval"] = pytrec_ndcg(ranked, scores)

if "--json" in sys.argv:
    print(json.dumps(report))
else:
    print(f"bm25s {report['bm25s']} on SciFact ({report['documents']} docs, {report['queries']} {split} queries)")
    print(f"  nDCG@10 {report['ndcg@10']:.4f} (pytrec_eval: {report['ndcg@10_pytrec_eval']})")
    print(f"  indexing {report['index_docs_per_s']:.0f} docs/s (tokenize + stem + index, 1 thread)")
    for backend in backends:
        for threads in (1, 2):
            print(f"  {backend} backend, {threads} thread(s): "
                  f"{report[f'{backend}_{threads}t_queries_per_s']:.0f} queries/s incl. query tokenization, "
                  f"{report[f'{backend}_{threads}t_retrieve_only_queries_per_s']:.0f} pre-tokenized")
