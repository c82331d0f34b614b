#!/usr/bin/env python3
"""Greedy tokens from llama.cpp (llama-cpp-python) for a base GGUF, the base with a LoRA adapter
GGUF applied unmerged, and merged GGUFs: the reference RagTune's adapter tests compare against.

Run with the venv scripts/setup_llama_cpp.sh builds:
    ~/.cache/ragtune-bench/venv/bin/python scripts/llama_cpp_adapter_check.py \
        --model base.gguf --lora adapter.gguf --merged merged-f16.gguf --merged merged-q8_0.gguf \
        --prompt-ids '[[1, 2, 3], [4, 5]]' --n-tokens 24

Prompts are token ids (--prompt-ids, a JSON list of lists), so both tools start from the same
tokens, or text (--prompt, repeatable; tokenized by llama.cpp with special tokens parsed).
Decoding is plain argmax over the last position's logits (llama.cpp's greedy sampler, no
penalties), for exactly --n-tokens steps, without stopping at end-of-generation tokens.
The prompt is one batch, then one token per decode (llama.cpp's logits depend on batching).
Prints one JSON object on stdout, each run holding one entry per prompt with the greedy ids and,
per step, the --top highest [id, logit] pairs of the logits that step's id was picked from:
    {"prompt_ids": [[...], ...],
     "base": [{"ids": [...], "top": [[[id, logit], ...], ...]}, ...], "lora": [...],
     "lora_on": {"<lora-base path>": [...], ...}, "merged": {"<path>": [...], ...}}
"""

import argparse
import contextlib
import ctypes
import json
import os
import sys

import numpy as np
import llama_cpp


@contextlib.contextmanager
def quiet_stderr():
    """llama.cpp logs to fd 2 from C; keep the JSON output readable."""
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def load(model, lora, threads, n_ctx):
    with quiet_stderr():
        return llama_cpp.Llama(model_path=model, lora_path=lora, n_ctx=n_ctx, n_batch=n_ctx,
                               n_threads=threads, n_threads_batch=threads, seed=0, verbose=False)


def greedy(llm, prompt_ids, n_tokens, top):
    """Argmax decoding of n_tokens after prompt_ids, from a fresh KV cache."""
    llm.reset()
    llm.eval(prompt_ids)
    n_vocab = llm.n_vocab()
    ids, tops = [], []
    for _ in range(n_tokens):
        pointer = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), shape=(n_vocab,))
        token = int(np.argmax(logits))
        best = np.argsort(-logits, kind="stable")[:top]
        ids.append(token)
        tops.append([[int(i), float(logits[i])] for i in best])
        llm.eval([token])
    return {"ids": ids, "top": tops}


def run(model, lora, prompts, args):
    llm = load(model, lora, args.threads, args.n_ctx)
    try:
        return [greedy(llm, ids, args.n_tokens, args.top) for ids in prompts]
    finally:
        llm.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="base GGUF")
    parser.add_argument("--lora", help="llama.cpp LoRA adapter GGUF applied to --model")
    parser.add_argument("--lora-base", action="append", default=[],
                        help="another model to apply --lora to (repeatable; e.g. an f16 copy of --model)")
    parser.add_argument("--merged", action="append", default=[], help="a merged GGUF (repeatable)")
    parser.add_argument("--prompt-ids", help="JSON list of token-id lists")
    parser.add_argument("--prompt", action="append", default=[], help="prompt text (repeatable)")
    parser.add_argument("--n-tokens", type=int, default=24)
    parser.add_argument("--top", type=int, default=10, help="logits reported per step")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n-ctx", type=int, default=512)
    parser.add_argument("--skip-base", action="store_true", help="do not decode with the plain base model")
    args = parser.parse_args()

    prompts = json.loads(args.prompt_ids) if args.prompt_ids else []
    if args.prompt:
        tokenizer = load(args.model, None, args.threads, args.n_ctx)
        prompts += [tokenizer.tokenize(text.encode("utf-8"), add_bos=False, special=True) for text in args.prompt]
        tokenizer.close()
    if not prompts:
        parser.error("give --prompt-ids or --prompt")

    result = {"prompt_ids": prompts, "merged": {}}
    if not args.skip_base:
        result["base"] = run(args.model, None, prompts, args)
    if args.lora:
        result["lora"] = run(args.model, args.lora, prompts, args)
        result["lora_on"] = {path: run(path, args.lora, prompts, args) for path in args.lora_base}
    for path in args.merged:
        result["merged"][path] = run(path, None, prompts, args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
