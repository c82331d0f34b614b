#!/usr/bin/env bash
# Serving throughput on loopback: `ragtune serve` (continuous batching, --batch-size 16) vs
# llama-cpp-python's OpenAI server (one request at a time, --interrupt_requests False so a new request waits
# instead of cutting the running stream short) vs llama.cpp's own `llama-server
# --parallel 16` (continuous batching), same GGUF (the installed SmolLM2 Q4_1), same threads, same
# prompts, in one run. Each server is measured at 1, 4 and 16 concurrent streams
# (Benchmarks/serve_load.py: streaming chat completions, temperature 0, --max-tokens each, 4 requests
# per stream after one warm-up): requests/s, time to first token p50/p95, generated tokens/s, errors, and
# the server's peak RSS.
#
#   Benchmarks/bench_serve.sh [--json] [--threads 2] [--streams 1,4,16] [--max-tokens 64]
#
# llama-cpp-python (setup_llama_cpp.sh) and llama-server (setup_llama_server.sh) are built once under
# ${RAGTUNE_BENCH_CACHE:-~/.cache/ragtune-bench}, never in the repo. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
# are unset for this command only.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

json=0 threads=2 streams=1,4,16 max_tokens=64
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=1 ;;
        --threads) threads="$2"; shift ;;
        --streams) streams="$2"; shift ;;
        --max-tokens) max_tokens="$2"; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

cache="${RAGTUNE_BENCH_CACHE:-$HOME/.cache/ragtune-bench}"
venv="$cache/venv"
model="${RAGTUNE_HOME:-$HOME/.cache/ragtune}/models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "model not found: $model (run: ragtune models install)" >&2; exit 1; }
bash scripts/setup_llama_cpp.sh
llama_server="$(bash scripts/setup_llama_server.sh | tail -1)"
if [ ! -x .build/release/ragtune-server ]; then
    echo "building .build/release/ragtune-server (swift build -c release) ..." >&2
    swift build -c release --product ragtune-server >&2
fi
max_streams="$(echo "$streams" | tr ',' '\n' | sort -n | tail -1)"

tmp="$(mktemp -d)"
server_pid=""
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
trap 'stop_server; rm -rf "$tmp"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_ready() { # port, log
    for _ in $(seq 600); do
        kill -0 "$server_pid" 2>/dev/null || { echo "the server exited; its log:" >&2; tail -20 "$2" >&2; exit 1; }
        if python3 - "$1" <<'PY' 2>/dev/null; then return 0; fi
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=2)
c.request("GET", "/v1/models")
sys.exit(0 if c.getresponse().status == 200 else 1)
PY
        sleep 0.5
    done
    echo "the server on port $1 did not become ready; its log:" >&2; tail -20 "$2" >&2; exit 1
}

measure() { # name, model id
    local name="$1" id="$2" port="$3" s
    for s in $(echo "$streams" | tr ',' ' '); do
        echo "  $name: $s stream(s) ..." >&2
        python3 Benchmarks/serve_load.py --port "$port" --model "$id" --streams "$s" --requests $((4 * s)) \
            --max-tokens "$max_tokens" | python3 -c 'import json,sys; r=json.load(sys.stdin); r["server"]=sys.argv[1]; print(json.dumps(r))' "$name" \
            >>"$tmp/results.jsonl"
    done
    echo "{\"server\": \"$name\", \"peak_rss_mb\": $(( $(awk '/VmHWM/ {print $2}' /proc/$server_pid/status) / 1024 ))}" >>"$tmp/rss.jsonl"
}

# --- ragtune serve ----------------------------------------------------------------------------------
port="$(free_port)"
echo "ragtune serve --threads $threads --batch-size $max_streams on port $port ..." >&2
.build/release/ragtune-server --port "$port" --threads "$threads" --batch-size "$max_streams" >"$tmp/ragtune.log" 2>&1 &
server_pid=$!
wait_ready "$port" "$tmp/ragtune.log"
measure ragtune smollm2 "$port"
stop_server

# --- llama-cpp-python's server (one request at a time) ------------------------------------------------
port="$(free_port)"
echo "llama-cpp-python server --n_threads $threads on port $port ..." >&2
"$venv/bin/python" -m llama_cpp.server --model "$model" --model_alias smollm2 --n_threads "$threads" \
    --n_threads_batch "$threads" --n_ctx 2048 --interrupt_requests False --host 127.0.0.1 --port "$port" >"$tmp/llama-cpp-python.log" 2>&1 &
server_pid=$!
wait_ready "$port" "$tmp/llama-cpp-python.log"
measure llama-cpp-python smollm2 "$port"
stop_server

# --- llama.cpp's llama-server --parallel N (continuous batching) --------------------------------------
port="$(free_port)"
echo "llama-server --parallel $max_streams -t $threads on port $port ..." >&2
"$llama_server" -m "$model" --alias smollm2 -t "$threads" -tb "$threads" --parallel "$max_streams" \
    -c $((max_streams * 1024)) --host 127.0.0.1 --port "$port" >"$tmp/llama-server.log" 2>&1 &
server_pid=$!
wait_ready "$port" "$tmp/llama-server.log"
measure llama-server smollm2 "$port"
stop_server

python3 - "$tmp/results.jsonl" "$tmp/rss.jsonl" "$json" "$threads" "$max_tokens" "$max_streams" "$llama_server" <<'PY'
import json, platform, subprocess, sys
results = [json.loads(l) for l in open(sys.argv[1])]
rss = {r["server"]: r["peak_rss_mb"] for r in map(json.loads, open(sys.argv[2]))}
as_json, threads, max_tokens, top = sys.argv[3] == "1", int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
flags = next((l.split(":", 1)[1].split() for l in open("/proc/cpuinfo") if l.startswith("flags")), [])
isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
def row(server, streams):
    return next((r for r in results if r["server"] == server and r["streams"] == streams), None)
ratios = {}
ours = row("ragtune", top)
for other in ("llama-cpp-python", "llama-server"):
    theirs = row(other, top)
    if ours and theirs and theirs["tokens_per_second"]:
        ratios[other] = {"requests_per_second": round(ours["requests_per_second"] / theirs["requests_per_second"], 2),
                         "tokens_per_second": round(ours["tokens_per_second"] / theirs["tokens_per_second"], 2)}
summary = {"cpu": cpu, "isa": isa, "threads": threads, "max_tokens": max_tokens, "results": results,
           "peak_rss_mb": rss, "ratios_at_%d_streams" % top: ratios}
if as_json:
    print(json.dumps(summary))
    sys.exit(0)
print(f"CPU: {cpu} ({isa}), {threads} threads per server, {max_tokens} tokens per completion, 4 requests per stream")
print("| server | streams | requests/s | TTFT p50 / p95 (s) | tokens/s | errors (429s) |")
print("| --- | --- | --- | --- | --- | --- |")
fmt = lambda v: "–" if v is None else f"{v:.2f}"
for r in results:
    print(f"| {r['server']} | {r['streams']} | {fmt(r['requests_per_second'])} | {fmt(r['ttft_p50'])} / {fmt(r['ttft_p95'])} "
          f"| {fmt(r['tokens_per_second'])} | {r['errors']} ({r['refused_429']}) |")
print("peak RSS (MB): " + ", ".join(f"{k} {v}" for k, v in rss.items()))
for other, r in ratios.items():
    print(f"ragtune / {other} at {top} streams: {r['requests_per_second']}x requests/s, {r['tokens_per_second']}x tokens/s")
PY
