#!/usr/bin/env python3
"""Reference retrieval metrics from pytrec_eval and BEIR, for RagTune's Evaluation tests.

Requirements (PyPI): pytrec-eval-terrier==0.5.11 (the original pytrec_eval does not build offline)
and beir==2.2.0 installed with --no-deps (only beir.retrieval.evaluation and custom_metrics are used;
they need nothing but pytrec_eval):

    pip install pytrec-eval-terrier==0.5.11 && pip install --no-deps beir==2.2.0

Commands:

    metrics_reference.py evaluate QRELS RUN [--k 1,3,5,10,100,1000]
        QRELS: BEIR TSV (query-id, corpus-id, score; optional header) or TREC qrels (qid 0 docid rel).
        RUN:   TREC run file (qid Q0 docid rank score tag).
        Prints JSON: per-query pytrec_eval measures (ndcg_cut_k, map_cut_k, recall_k, P_k, recip_rank)
        and BEIR MRR@k, plus BEIR's averages (EvaluateRetrieval.evaluate and custom_metrics.mrr).

    metrics_reference.py make-fixture --scifact DIR --out DIR [--seed N]
        Writes qrels.tsv, run.trec and expected.json: a synthetic run (pseudo-random rankings with
        relevant documents inserted, score ties, identical query/document ids, a query without
        qrels, a qrels query without results) over a subset of SciFact's train qrels with a few
        synthetic graded (2, 3) and zero judgments added.
"""
import argparse
import copy
import importlib.metadata
import json
import os
import random
import sys

import pytrec_eval
from beir.retrieval.custom_metrics import mrr as beir_mrr
from beir.retrieval.evaluation import EvaluateRetrieval


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 3:
                fields = line.split()
                fields = [fields[0], fields[2], fields[3]] if len(fields) == 4 else fields
            try:
                rel = int(fields[2])
            except ValueError:
                if number == 1:
                    continue  # header
                raise
            qrels.setdefault(fields[0], {})[fields[1]] = rel
    return qrels


def read_run(path):
    """TREC run as BEIR's results dict; insertion order is the file order (BEIR's MRR tie order)."""
    results = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                qid, _, docid, _, score, _ = line.split()
                results.setdefault(qid, {})[docid] = float(score)
    return results


def mrr_per_query(qrels, results, k_values):
    """BEIR 2.2.0 custom_metrics.mrr, per query and unrounded (BEIR only returns rounded means)."""
    values = {}
    for qid, doc_scores in results.items():
        if qid not in qrels:
            continue  # BEIR's mrr raises KeyError here; pytrec_eval skips such queries
        top = sorted(doc_scores.items(), key=lambda item: item[1], reverse=True)[0:max(k_values)]
        relevant = {d for d, rel in qrels[qid].items() if rel > 0}
        values[qid] = {}
        for k in k_values:
            rank = next((i + 1 for i, (d, _) in enumerate(top[0:k]) if d in relevant), None)
            values[qid][f"MRR@{k}"] = 1.0 / rank if rank else 0.0
    return values


def evaluate(qrels, results, k_values):
    results = copy.deepcopy(results)
    ndcg, _map, recall, precision = EvaluateRetrieval.evaluate(qrels, results, k_values, ignore_identical_ids=True)
    # `results` now has identical query/document ids removed, as BEIR leaves it for evaluate_custom.
    judged = {qid: docs for qid, docs in results.items() if qid in qrels}
    beir = {**ndcg, **_map, **recall, **precision, **beir_mrr(qrels, judged, k_values)}
    ks = ",".join(str(k) for k in k_values)
    measures = {f"ndcg_cut.{ks}", f"map_cut.{ks}", f"recall.{ks}", f"P.{ks}", "recip_rank"}
    per_query = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(results)
    mrr = mrr_per_query(qrels, results, k_values)
    for qid in per_query:
        per_query[qid].update(mrr[qid])
    for k in k_values:  # our per-query MRR must reproduce BEIR's rounded mean (over len(qrels))
        mean = sum(v[f"MRR@{k}"] for v in mrr.values()) / len(qrels)
        assert round(mean, 5) == beir[f"MRR@{k}"], (k, mean, beir[f"MRR@{k}"])
    return {
        "tools": {name: importlib.metadata.version(name) for name in ("pytrec-eval-terrier", "beir")},
        "k_values": k_values,
        "per_query": dict(sorted(per_query.items())),
        "beir": beir,
    }


def make_fixture(scifact, out, seed):
    rng = random.Random(seed)
    qrels_all = read_qrels(os.path.join(scifact, "qrels", "train.tsv"))
    with open(os.path.join(scifact, "corpus.jsonl"), encoding="utf-8") as f:
        corpus_ids = [json.loads(line)["_id"] for line in f if line.strip()]
    chosen = sorted(rng.sample(sorted(qrels_all), 30), key=int)
    qrels = {}
    for i, qid in enumerate(chosen):
        qrels[qid] = dict(qrels_all[qid])
        if i % 3 == 0:
            qrels[qid][rng.choice(corpus_ids)] = 2
        if i % 4 == 1:
            qrels[qid][rng.choice(corpus_ids)] = 0
        if i % 10 == 5:
            qrels[qid][rng.choice(corpus_ids)] = 3
    qrels[chosen[7]] = {d: 0 for d in qrels[chosen[7]]}  # judged, but nothing relevant

    results = {}
    for i, qid in enumerate(chosen):
        if i == 11:
            continue  # in the qrels, not in the run
        length = rng.choice([1, 3, 5, 8, 10, 20, 37, 100, 101, 150])
        docs = rng.sample(corpus_ids, length)
        scores = {doc: round(rng.uniform(-1, 3), 1) for doc in docs}  # 41 values: many ties
        judged = list(qrels[qid])
        for doc in rng.sample(judged, rng.randint(0, len(judged))):  # some judged docs retrieved, high
            if doc not in scores:
                del scores[rng.choice(list(scores))]
                scores[doc] = round(rng.uniform(1.5, 3), 1)
        if i % 9 == 2:
            scores[qid] = 5.0  # a document whose id is the query id, ranked first
        lines = list(scores.items())
        rng.shuffle(lines)  # file order differs from score order, so BEIR's tie order is exercised
        results[qid] = dict(lines)
    results[chosen[20]] = {chosen[20]: 1.0}  # only an identical id: empty after BEIR's removal
    results["999999"] = {d: 1.0 for d in rng.sample(corpus_ids, 5)}  # no qrels: skipped

    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "qrels.tsv"), "w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for qid, docs in qrels.items():
            for doc, rel in docs.items():
                f.write(f"{qid}\t{doc}\t{rel}\n")
    with open(os.path.join(out, "run.trec"), "w", encoding="utf-8") as f:
        for qid, docs in results.items():
            for rank, (doc, score) in enumerate(docs.items(), 1):
                f.write(f"{qid} Q0 {doc} {rank} {score!r} synthetic\n")
    # Evaluate what was written, read back exactly as `evaluate` would.
    expected = evaluate(read_qrels(os.path.join(out, "qrels.tsv")), read_run(os.path.join(out, "run.trec")),
                        [1, 3, 5, 10, 100, 1000])
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate")
    ev.add_argument("qrels")
    ev.add_argument("run")
    ev.add_argument("--k", default="1,3,5,10,100,1000")
    mk = sub.add_parser("make-fixture")
    mk.add_argument("--scifact", required=True)
    mk.add_argument("--out", required=True)
    mk.add_argument("--seed", type=int, default=20251123)
    args = parser.parse_args()
    if args.command == "evaluate":
        k_values = [int(k) for k in args.k.split(",")]
        json.dump(evaluate(read_qrels(args.qrels), read_run(args.run), k_values), sys.stdout, indent=1, sort_keys=True)
        print()
    else:
        make_fixture(args.scifact, args.out, args.seed)


if __name__ == "__main__":
    main()
