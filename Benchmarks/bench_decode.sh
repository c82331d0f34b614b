#!/usr/bin/env bash
# Decode throughput: RagTune's SmolLM2 decoder vs llama.cpp (llama-cpp-python 0.3.36, built from its
# sdist with llama.cpp's default native-CPU build) on the same GGUF, the same prompt token ids (RagTune's
# rendering of Benchmarks/decode_prompt.txt as one ChatML user turn), the same thread counts, in one run.
# Greedy, exactly --tokens generated tokens (EOS ignored), 1 warm-up + median of 3 rounds on both sides.
# RagTune runs both decode paths: int8 (the default; int8-vnni or int8-avx2 by CPU, RAGTUNE_INT8_KERNEL=avx2
# forces AVX2) and float (--exact), each beside llama.cpp.
#
#   Benchmarks/bench_decode.sh [--json] [--threads 1,2] [--tokens 128]
#
# llama-cpp-python lives in a venv under ${RAGTUNE_BENCH_CACHE:-~/.cache/ragtune-bench} (never in the
# repo); the wheel is built there on first use (~20 minutes on 2 cores; log in build.log there).
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this command only; RagTune's BLAS kernel and
# llama.cpp's system info (the CPU features its kernels use) are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

json=0 threads=1,2 tokens=128
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=1 ;;
        --threads) threads="$2"; shift ;;
        --tokens) tokens="$2"; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

cache="${RAGTUNE_BENCH_CACHE:-$HOME/.cache/ragtune-bench}"
venv="$cache/venv"
models="${RAGTUNE_HOME:-$HOME/.cache/ragtune}/models"
bash scripts/setup_llama_cpp.sh

# --- RagTune ----------------------------------------------------------------------------------------
if [ ! -x .build/release/ragtune ] || ! .build/release/ragtune bench decode --help >/dev/null 2>&1; then
    echo "building .build/release/ragtune (swift build -c release) ..." >&2
    swift build -c release --product ragtune >&2
fi

# CPU busy % (all cores) over 2 s, from /proc/stat: this box's cores are shared, so say when it is not idle
cpu_busy() {
    local a b
    a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat))
    local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
    echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
loadavg_before="$(cut -d' ' -f1-3 /proc/loadavg)"
busy_before="$(cpu_busy)"
if [ "$busy_before" -gt 10 ]; then
    echo "warning: the CPU is already ${busy_before}% busy before the benchmark (other processes); results will be skewed, 2-thread ones most" >&2
fi

echo "RagTune: bench decode --threads $threads --tokens $tokens ..." >&2
.build/release/ragtune bench decode --json --prompt-file Benchmarks/decode_prompt.txt \
    --threads "$threads" --tokens "$tokens" >"$tmp/ragtune.out"
"$venv/bin/python" - "$tmp/ragtune.out" "$tmp/ragtune.json" <<'PY'
import json, sys
s = open(sys.argv[1]).read()
obj, _ = json.JSONDecoder().raw_decode(s[s.index("{"):])  # the JSON object, whatever precedes it
json.dump(obj, open(sys.argv[2], "w"))
PY

model_name="$("$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("model") or "SmolLM2-135M-Instruct.Q4_1.gguf")' "$tmp/ragtune.json")"
model="$models/smollm2/$model_name"
[ -f "$model" ] || { echo "model not found: $model (run: ragtune models install)" >&2; exit 1; }

echo "llama.cpp: same prompt ids, threads $threads, tokens $tokens ..." >&2
"$venv/bin/python" Benchmarks/llama_cpp_decode.py --model "$model" --prompt-ids-file "$tmp/ragtune.json" \
    --prompt-file Benchmarks/decode_prompt.txt --threads "$threads" --tokens "$tokens" --rounds 3 >"$tmp/llama.json"

"$venv/bin/python" - "$tmp/ragtune.json" "$tmp/llama.json" "$json" "$loadavg_before" "$busy_before" <<'PY'
import json, sys
ours, ref = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
as_json, loadavg_before, busy_before = sys.argv[3] == "1", sys.argv[4], int(sys.argv[5])
loadavg_after = " ".join(open("/proc/loadavg").read().split()[:3])

def gen_ids(obj, threads=1):
    for r in obj.get("results", []):
        if r.get("threads") == threads and r.get("generated_ids"):
            return r["generated_ids"]
    return obj.get("generated_ids")

def shared_prefix(a, b):
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n

same_prompt = ours.get("prompt_ids") == ref.get("prompt_ids")
ours_ids, ref_ids = gen_ids(ours), gen_ids(ref)
prefix = shared_prefix(ours_ids, ref_ids) if ours_ids and ref_ids else None
ref_by_threads = {r["threads"]: r for r in ref["results"]}
rows = []
for r in ours["results"]:
    l = ref_by_threads.get(r["threads"])
    if l is None:
        continue
    ceiling = None
    if r.get("read_bandwidth_gbps") and r.get("weight_bytes_per_token"):
        ceiling = r["read_bandwidth_gbps"] * 1e9 / r["weight_bytes_per_token"]
    rows.append({
        "threads": r["threads"],
        "kernel": r.get("kernel", "float"),
        "bandwidth_share": r.get("bandwidth_share"),
        "ragtune_prefill_tokens_per_second": r["prefill_tokens_per_second"],
        "llama_cpp_prefill_tokens_per_second": l["prefill_tokens_per_second"],
        "prefill_ratio": r["prefill_tokens_per_second"] / l["prefill_tokens_per_second"],
        "ragtune_decode_tokens_per_second": r["decode_tokens_per_second"],
        "llama_cpp_decode_tokens_per_second": l["decode_tokens_per_second"],
        "decode_ratio": r["decode_tokens_per_second"] / l["decode_tokens_per_second"],
        "llama_cpp_decode_tokens_per_second_internal": l.get("decode_tokens_per_second_internal"),
        "bandwidth_ceiling_tokens_per_second": ceiling,
    })

summary = {
    "benchmark": "decode_vs_llama_cpp",
    "same_prompt_ids": same_prompt,
    "prompt_tokens": len(ours.get("prompt_ids") or []),
    "generated_tokens": ours.get("generated_tokens"),
    "greedy_shared_prefix_threads_1": prefix,
    "greedy_compared_tokens": min(len(ours_ids), len(ref_ids)) if ours_ids and ref_ids else None,
    "ratio": "ragtune / llama.cpp (>1: RagTune faster)",
    "loadavg_before": loadavg_before, "loadavg_after": loadavg_after,
    "cpu_busy_percent_before": busy_before,
    "rows": rows,
    "ragtune": ours,
    "llama_cpp": ref,
}
if as_json:
    print(json.dumps(summary))
    sys.exit(0)

m = ours.get("machine", {})
print(f"CPU: {m.get('cpu')} ({m.get('logical_cores', '?')} cores), SIMD: {' '.join(m.get('simd', []))}")
print(f"RagTune OpenBLAS kernel: {m.get('openblas_core')} (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset)")
print(f"llama.cpp: {ref['implementation']}; system info: {ref['system_info']}")
print(f"Model: {ours.get('model')}; prompt {summary['prompt_tokens']} tokens "
      f"({'same ids on both sides' if same_prompt else 'PROMPT IDS DIFFER'}), "
      f"{summary['generated_tokens']} greedy tokens (EOS ignored); 1 warm-up + median of 3 rounds each")
if "llama_tokenizer_matches_prompt_ids" in ref:
    if ref["llama_tokenizer_matches_prompt_ids"]:
        print(f"Cross-check: llama.cpp's tokenizer on the GGUF chat-template rendering of the prompt file "
              f"({ref['llama_tokenizer_match_text']}) gives exactly RagTune's prompt ids")
    else:
        print(f"Cross-check: llama.cpp's tokenizer on the GGUF chat-template rendering differs from RagTune's "
              f"prompt ids (informational; both sides ran RagTune's ids): {ref.get('llama_tokenizer_first_difference')}")
print(f"llama.cpp timing: {ref['timing']}")
print(f"CPU busy before start: {busy_before}% (other processes); load average before/after: "
      f"{loadavg_before} / {loadavg_after} (shared cores: other load skews both sides)")
print()
hdr = (f"{'threads':>7} | {'ragtune kernel':>14} | {'ragtune prefill':>15} | {'llama.cpp prefill':>17} | {'ratio':>6} | "
       f"{'ragtune decode':>14} | {'llama.cpp decode':>16} | {'ratio':>6} | {'bw ceiling':>10} | {'share':>5}")
print(hdr)
print(f"{'':>7} | {'':>14} | {'tok/s':>15} | {'tok/s':>17} | {'':>6} | {'tok/s':>14} | {'tok/s':>16} | {'':>6} | {'tok/s':>10} | {'':>5}")
print("-" * len(hdr))
for w in rows:
    ceil = f"{w['bandwidth_ceiling_tokens_per_second']:>10.1f}" if w["bandwidth_ceiling_tokens_per_second"] else f"{'-':>10}"
    share = f"{100 * w['bandwidth_share']:>4.0f}%" if w.get("bandwidth_share") else f"{'-':>5}"
    print(f"{w['threads']:>7} | {w['kernel']:>14} | {w['ragtune_prefill_tokens_per_second']:>15.1f} | "
          f"{w['llama_cpp_prefill_tokens_per_second']:>17.1f} | "
          f"{w['prefill_ratio']:>5.2f}x | {w['ragtune_decode_tokens_per_second']:>14.1f} | "
          f"{w['llama_cpp_decode_tokens_per_second']:>16.1f} | {w['decode_ratio']:>5.2f}x | {ceil} | {share}")
print("ratio = ragtune / llama.cpp; bw ceiling = RagTune's measured read bandwidth / weight bytes per token; "
      "share = RagTune's decode tok/s / bw ceiling")
print("kernels: int8-vnni / int8-avx2 = int8 activations x repacked weights (the default; RAGTUNE_INT8_KERNEL=avx2 "
      "forces AVX2 on an AVX-512 machine), float = the exact Float32 path (--exact)")
internal = [f"{w['threads']}t {w['llama_cpp_decode_tokens_per_second_internal']:.1f}" for w in rows
            if w.get("llama_cpp_decode_tokens_per_second_internal")]
if internal:
    print("llama.cpp decode tok/s by its own internal timers (no Python overhead): " + ", ".join(internal))
def rounds_str(xs):
    return "[" + " ".join(f"{x:.1f}" for x in xs) + "]" if xs else "-"
print("decode tok/s per round (spread shows noise): " + "; ".join(
    f"{r['threads']}t ragtune {r.get('kernel', '')} {rounds_str(r.get('decode_rounds'))} llama.cpp "
    f"{rounds_str([ref['generated_tokens'] / x for x in ref_by_threads[r['threads']]['decode_seconds']])}"
    for r in ours["results"] if r["threads"] in ref_by_threads))
if prefix is None:
    print("Greedy agreement: RagTune JSON has no generated_ids for threads=1; not compared")
else:
    print(f"Greedy agreement (threads=1): first {prefix} of {summary['greedy_compared_tokens']} generated ids identical "
          f"(llama.cpp quantizes activations to 8 bit, so a later divergence is expected)")
    print(f"  ragtune:   {ours_ids[:12]}")
    print(f"  llama.cpp: {ref_ids[:12]}")
rss = ours.get("peak_rss_mb")
print(f"Peak RSS: ragtune {rss if rss is None else round(rss)} MB, llama.cpp process {ref['peak_rss_mb']:.0f} MB")
PY
