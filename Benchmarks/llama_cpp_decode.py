#!/usr/bin/env python3
"""llama.cpp reference for `ragtune bench decode`, via llama-cpp-python.

Same GGUF, same prompt token ids (taken from RagTune's JSON), same thread counts. Per thread count t:

    llm = Llama(model_path, n_ctx=2048, n_batch=512, n_threads=t, n_threads_batch=t, seed=0, verbose=False)

and one untimed warm-up round followed by --rounds timed rounds (median reported), each round:

    prefill: llm.reset(); llm.eval(prompt_ids)            -- one timed call, n_threads_batch threads
    decode:  next = argmax(logits); --tokens times { llm.eval([next]); next = argmax(logits) }
             -- one timed loop of single-token evals, n_threads threads; EOS is ignored

Greedy = numpy argmax (first index on ties) over the float32 logits of the last position, read in
place with llama_get_logits_ith(ctx, -1) (llm.eval no longer copies logits unless logits_all);
llama.cpp's own samplers are not used. The generated ids are the
--tokens ids fed to the decode evals (the first comes from the prefill logits).

Wall clock: time.perf_counter() around the calls above (prefill includes the argmax of the first
generated token), so the Python binding overhead (batch setup, the argmax per token) is included; llama.cpp's own internal timers
(llama_perf_context: prompt-eval / eval ms) for the same rounds are reported alongside.

Prints one JSON object. Run by Benchmarks/bench_decode.sh inside its llama-cpp-python venv.
"""
import argparse, json, os, platform, resource, statistics, sys, time

import numpy as np
import llama_cpp
from llama_cpp import Llama


def parse_ids(args):
    if args.prompt_ids_file:
        with open(args.prompt_ids_file) as f:
            data = json.load(f)
        if isinstance(data, dict):  # accept RagTune's whole JSON too
            data = data["prompt_ids"]
        return [int(i) for i in data]
    if args.prompt_ids:
        return [int(i) for i in args.prompt_ids.replace(",", " ").split()]
    return None


def render_chat(llm, text):
    """The prompt as a single ChatML user turn, rendered with the GGUF's own chat template
    (which adds SmolLM2's default system prompt) plus the generation prompt."""
    import jinja2
    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        raise SystemExit("GGUF has no tokenizer.chat_template")
    env = jinja2.Environment(loader=jinja2.BaseLoader(), trim_blocks=True, lstrip_blocks=True)
    return env.from_string(template).render(
        messages=[{"role": "user", "content": text}], add_generation_prompt=True,
        bos_token="", eos_token="")


def perf_reset(llm):
    try:
        llama_cpp.llama_perf_context_reset(llm._ctx.ctx)
    except Exception:
        pass


def perf_read(llm):
    """llama.cpp's internal timers: (prompt-eval ms, n prompt tokens, eval ms, n eval calls)."""
    try:
        d = llama_cpp.llama_perf_context(llm._ctx.ctx)
        return d.t_p_eval_ms, d.n_p_eval, d.t_eval_ms, d.n_eval
    except Exception:
        return None


def argmax_last(llm, vocab):
    """Greedy: argmax over the float32 logits of the last output position, read in place from
    llama.cpp (llama_get_logits_ith(ctx, -1) synchronizes the backend first)."""
    ptr = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
    return int(np.argmax(np.ctypeslib.as_array(ptr, shape=(vocab,))))


def one_round(llm, prompt_ids, n_tokens):
    vocab = llm.n_vocab()
    llm.reset()
    perf_reset(llm)
    t0 = time.perf_counter()
    llm.eval(prompt_ids)
    nxt = argmax_last(llm, vocab)
    t1 = time.perf_counter()
    perf_prefill = perf_read(llm)
    generated = []
    t2 = time.perf_counter()
    for _ in range(n_tokens):
        generated.append(nxt)
        llm.eval([nxt])
        nxt = argmax_last(llm, vocab)
    t3 = time.perf_counter()
    perf = perf_read(llm)
    internal = None
    if perf_prefill and perf:
        p_ms, p_n = perf_prefill[0], perf_prefill[1]
        e_ms, e_n = perf[2] - perf_prefill[2], perf[3] - perf_prefill[3]
        internal = {"prefill_ms": p_ms, "prefill_tokens": p_n, "decode_ms": e_ms, "decode_evals": e_n}
    return t1 - t0, t3 - t2, generated, internal


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="path to the .gguf")
    ap.add_argument("--prompt-ids-file", help="JSON list of prompt token ids (or RagTune's bench JSON)")
    ap.add_argument("--prompt-ids", help="prompt token ids, comma or space separated")
    ap.add_argument("--prompt-file", help="prompt text; without ids, it is rendered with the GGUF chat "
                    "template and tokenized by llama.cpp; with ids, that tokenization is only compared")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n-ctx", type=int, default=2048)
    ap.add_argument("--n-batch", type=int, default=512)
    args = ap.parse_args()

    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    prompt_ids = parse_ids(args)
    if prompt_ids is None and not args.prompt_file:
        raise SystemExit("need --prompt-ids-file, --prompt-ids or --prompt-file")

    out = {
        "benchmark": "decode",
        "implementation": "llama.cpp via llama-cpp-python " + llama_cpp.__version__,
        "model": os.path.basename(args.model),
        "python": platform.python_version(),
        "n_ctx": args.n_ctx, "n_batch": args.n_batch,
        "greedy": "numpy argmax of last-position float32 logits (llama_get_logits_ith(ctx, -1)), EOS ignored",
        "timing": "time.perf_counter around llm.eval(prompt) and around the loop of single-token "
                  "llm.eval + argmax; 1 warm-up round, median of rounds; llama.cpp internal "
                  "llama_perf_context timers reported as *_internal",
        "rounds": args.rounds, "generated_tokens": args.tokens,
    }

    results = []
    for t in threads:
        llm = Llama(model_path=args.model, n_ctx=args.n_ctx, n_batch=args.n_batch, n_threads=t,
                    n_threads_batch=t, seed=0, verbose=False)
        if "system_info" not in out:
            out["system_info"] = llama_cpp.llama_print_system_info().decode(errors="replace").strip()
            if args.prompt_file:
                with open(args.prompt_file) as f:
                    raw = f.read()
                variants = {"as-is": raw, "stripped": raw.strip()}
                tokenized = {k: llm.tokenize(render_chat(llm, v).encode(), add_bos=False, special=True)
                             for k, v in variants.items()}
                if prompt_ids is None:
                    prompt_ids = tokenized["stripped"]
                    out["prompt_source"] = ("llama.cpp tokenization of the GGUF chat template rendering "
                                            "of the stripped prompt file")
                else:
                    out["prompt_source"] = "given ids"
                    match = next((k for k, ids in tokenized.items() if ids == prompt_ids), None)
                    out["llama_tokenizer_matches_prompt_ids"] = match is not None
                    # which reading of the file (as-is or whitespace-stripped) reproduces the given ids
                    out["llama_tokenizer_match_text"] = match
                    if match is None:
                        own_ids = tokenized["stripped"]
                        k = next((i for i, (a, b) in enumerate(zip(own_ids, prompt_ids)) if a != b),
                                 min(len(own_ids), len(prompt_ids)))
                        out["llama_tokenizer_first_difference"] = {
                            "index": k, "llama_stripped": own_ids[k:k + 8], "given": prompt_ids[k:k + 8],
                            "llama_len": len(own_ids), "given_len": len(prompt_ids)}
            else:
                out["prompt_source"] = "given ids"
            out["prompt_ids"] = prompt_ids
            out["prompt_tokens"] = len(prompt_ids)
            if len(prompt_ids) + args.tokens > args.n_ctx:
                raise SystemExit(f"prompt + tokens exceeds n_ctx ({len(prompt_ids)} + {args.tokens})")

        one_round(llm, prompt_ids, args.tokens)  # warm-up
        pre, dec, internals, gens = [], [], [], []
        for _ in range(args.rounds):
            p, d, g, internal = one_round(llm, prompt_ids, args.tokens)
            pre.append(p); dec.append(d); gens.append(g); internals.append(internal)
        r = {
            "threads": t,
            "prefill_tokens_per_second": len(prompt_ids) / statistics.median(pre),
            "decode_tokens_per_second": args.tokens / statistics.median(dec),
            "prefill_seconds": pre, "decode_seconds": dec,
            "generated_ids": gens[0],
            "deterministic_across_rounds": all(g == gens[0] for g in gens),
        }
        if all(internals):
            r["prefill_tokens_per_second_internal"] = 1000 * len(prompt_ids) / statistics.median(
                [i["prefill_ms"] for i in internals])
            r["decode_tokens_per_second_internal"] = 1000 * args.tokens / statistics.median(
                [i["decode_ms"] for i in internals])
        results.append(r)
        print(f"llama.cpp threads={t}: prefill {r['prefill_tokens_per_second']:.1f} tok/s, "
              f"decode {r['decode_tokens_per_second']:.1f} tok/s", file=sys.stderr)
        del llm

    out["results"] = results
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
