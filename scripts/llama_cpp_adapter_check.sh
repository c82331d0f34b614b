#!/usr/bin/env bash
# Runs scripts/llama_cpp_adapter_check.py with the llama-cpp-python venv that
# scripts/setup_llama_cpp.sh builds (under ${RAGTUNE_BENCH_CACHE:-~/.cache/ragtune-bench}).
# Arguments are passed through, e.g.:
#   bash scripts/llama_cpp_adapter_check.sh --model base.gguf --lora adapter.gguf \
#       --merged merged-f16.gguf --prompt $'<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n'
set -euo pipefail
python="${RAGTUNE_BENCH_CACHE:-$HOME/.cache/ragtune-bench}/venv/bin/python"
if [ ! -x "$python" ]; then
    echo "$python is missing: run bash scripts/setup_llama_cpp.sh first" >&2
    exit 1
fi
exec "$python" "$(dirname "$0")/llama_cpp_adapter_check.py" "$@"
