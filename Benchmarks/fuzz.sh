#!/usr/bin/env bash
# Issue #13, items 16 and 17, on the release build:
#   ragtune bench fuzz   10,000 mutated inputs per format (JSONL, Markdown, HTML, text, QA, chat,
#                        job YAML/JSON, eval files, GGUF, safetensors, tokenizer.json, store,
#                        index snapshots), each format's cases in child processes
#   ragtune bench crash  50 kill -9 trials each of `index`, HNSW compaction (`remove`) and `finetune`
# Writes fuzz.json and crash.json into $OUT (default: a new temporary folder), prints the counts,
# and exits 1 when a case crashed or hung or a trial lost a document or resumed to other losses.
# CASES, TRIALS, SEED and SCRATCH (the build folder, default .build) override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
OUT=${OUT:-$(mktemp -d -t ragtune-fuzz-XXXXXX)}
mkdir -p "$OUT"

swift build -c release --scratch-path "$SCRATCH" --product ragtune 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
BIN="$SCRATCH/release/ragtune"

status=0
"$BIN" bench fuzz --cases "${CASES:-10000}" --seed "${SEED:-1}" --out "$OUT/inputs" --json > "$OUT/fuzz.json" || status=1
"$BIN" bench crash --trials "${TRIALS:-50}" --seed "${SEED:-1}" --json > "$OUT/crash.json" || status=1

python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
fuzz = json.load(open(f"{out}/fuzz.json"))
print(f"fuzz: seed {fuzz['seed']}, {fuzz['cases_per_format']} cases per format, {fuzz['seconds']:.0f} s")
print(f"  {'format':15} {'cases':>6} {'accepted':>8} {'errors':>7} {'crashes':>7} {'hangs':>5} {'violations':>10}")
for f in fuzz["formats"]:
    print(f"  {f['format']:15} {f['cases']:>6} {f['accepted']:>8} {f['errors']:>7} {f['crashes']:>7} {f['hangs']:>5} {f['violations']:>10}")
    for c in f["crash_cases"] + f["hang_cases"]:
        print(f"    case {c['case']}: {c['reason']}: {c['message']}\n      input {c['input']}\n      replay: {c['replay']}")
crash = json.load(open(f"{out}/crash.json"))
print(f"kill -9: {crash['trials_per_target']} trials per target, {crash['seconds']:.0f} s")
for name, t in crash["targets"].items():
    if "skipped" in t:
        print(f"  {name}: skipped ({t['skipped']})")
        continue
    extra = {k: v for k, v in t.items() if k not in ("trials", "killed", "finished_before_kill", "failures",
                                                      "failure_counts", "failure_details", "seconds")}
    print(f"  {name}: {t['trials']} trials, {t['killed']} killed, {t['finished_before_kill']} finished first, "
          f"{t['failures']} failures {t['failure_counts']} {extra}")
    for d in t["failure_details"]:
        print(f"    {d}")
print(f"files: {out}")
EOF
exit $status
