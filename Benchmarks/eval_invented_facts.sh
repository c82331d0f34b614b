#!/usr/bin/env bash
# RAG on invented facts: indexes a fictional-kb-style knowledge base (markdown notes), then runs
# `eval qa` (RAG and closed-book, default flags unless given) on its questions plus questions the
# notes cannot answer, and prints answer-contains per question kind and refusal precision/recall.
#   Benchmarks/eval_invented_facts.sh [KB folder, default ../shared/data/fictional-kb] [eval qa flags...]
# The folder needs docs/ and qa.jsonl ({"id","kind","question","answer"}); the unanswerable
# questions (Benchmarks/data/fictional-kb-unanswerable.jsonl) are added when the folder is
# fictional-kb (RAGTUNE_EVAL_WORK=DIR keeps the store, questions and per-question details there). Runs as a member of every ACL group the notes use, so restricted notes count.
set -euo pipefail
cd "$(dirname "$0")/.."
kb="${1:-../shared/data/fictional-kb}"; shift || true
[ -x .build/release/ragtune ] || swift build -c release --product ragtune >&2
if [ -n "${RAGTUNE_EVAL_WORK:-}" ]; then work="$RAGTUNE_EVAL_WORK"; mkdir -p "$work"   # kept: the store, questions and details
else work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi
.build/release/ragtune index --store "$work/kb.sqlite" "$kb/docs" --json > /dev/null
cp "$kb/qa.jsonl" "$work/qa.jsonl"
if [ "$(basename "$kb")" = fictional-kb ]; then cat Benchmarks/data/fictional-kb-unanswerable.jsonl >> "$work/qa.jsonl"; fi
groups="$(grep -rhoE '^acl: \[[^]]*\]' "$kb/docs" | sed -E 's/^acl: \[|\]//g' | tr ',' '\n' | tr -d ' ' | sort -u | head -1 || true)"
.build/release/ragtune eval qa --qa "$work/qa.jsonl" --store "$work/kb.sqlite" --strategy rag --strategy closed-book \
    ${groups:+--user "$groups"} --details "$work/details.jsonl" --json "$@" > "$work/summary.json"
python3 - "$work/qa.jsonl" "$work/details.jsonl" "$work/summary.json" <<'PY'
import collections, json, sys
questions = {q["id"]: q for q in map(json.loads, open(sys.argv[1]))}
by_kind = collections.defaultdict(lambda: collections.defaultdict(list))
for record in map(json.loads, open(sys.argv[2])):
    kind = questions[record["id"]].get("kind", "all")
    by_kind[kind][record["strategy"]].append(record["refused"] if record["gold"] == "Not found in the sources." else record["contains"])
print("kind                  rag        closed-book   (answer-contains; refused, for unanswerable kinds)")
for kind in sorted(by_kind):
    row = {s: v for s, v in by_kind[kind].items()}
    cell = lambda s: f"{sum(row[s]) / len(row[s]):.3f} ({len(row[s])})" if s in row else "-"
    print(f"{kind:20}  {cell('rag'):11}  {cell('closed-book')}")
summary = json.load(open(sys.argv[3]))
for name, s in summary["strategies"].items():
    print(f"{name}: answer-contains {s['answer_contains']['mean']:.3f}, refusal recall {s['refusal_recall']}, "
          f"precision {s['refusal_precision']}, latency p50 {s['latency_p50']:.2f} s")
PY
