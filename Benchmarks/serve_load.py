#!/usr/bin/env python3
"""Load generator for Benchmarks/bench_serve.sh: N concurrent streaming chat completions against an
OpenAI-compatible server on loopback (standard library only, so it runs with any python3).

Each of --streams threads sends requests back to back until --requests have been sent in all, each a
streaming /v1/chat/completions of one prompt (distinct prompts, round robin), temperature 0, max_tokens
--max-tokens, stream_options.include_usage. Measured per request: time to the first content chunk, total
time, completion tokens (the usage chunk when the server sends one, else the content chunks). One JSON
object on stdout: requests/s, time to first token p50/p95, generated tokens/s over the wall time, errors
(anything but a complete 200 stream; 429s are counted apart as refused).
"""
import argparse
import http.client
import json
import statistics
import sys
import threading
import time

TOPICS = ["a lighthouse keeper", "a lost robot", "the first day of school", "a dragon who bakes bread",
          "a journey across the desert", "a city under the sea", "an old clock", "a friendly ghost",
          "a mountain village in winter", "a train that never stops", "a garden on the moon", "a painter's last work",
          "a library of forgotten books", "a storm at sea", "a clever fox", "the invention of the wheel"]


def prompts(count):
    kinds = ["Write a long story about {}.", "Describe {} in great detail.", "Tell me everything you know about {}.",
             "Write a poem about {}."]
    return [kinds[i // len(TOPICS) % len(kinds)].format(TOPICS[i % len(TOPICS)]) for i in range(count)]


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def one_request(port, model, prompt, max_tokens, timeout):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], "temperature": 0,
                       "max_tokens": max_tokens, "stream": True, "stream_options": {"include_usage": True}})
    start = time.perf_counter()
    first = None
    chunks = 0
    usage = None
    done = False
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        if response.status != 200:
            response.read()
            return {"status": response.status, "ok": False}
        for raw in response:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                done = True
                break
            event = json.loads(payload)
            if event.get("usage"):
                usage = event["usage"]
            for choice in event.get("choices") or []:
                content = (choice.get("delta") or {}).get("content")
                if content:
                    chunks += 1
                    if first is None:
                        first = time.perf_counter()
    except Exception as error:  # a reset connection, a timeout, bad JSON: an error of this request
        return {"status": 0, "ok": False, "error": repr(error)}
    finally:
        connection.close()
    end = time.perf_counter()
    tokens = usage["completion_tokens"] if usage and usage.get("completion_tokens") is not None else chunks
    return {"status": 200, "ok": done, "ttft": (first - start) if first else None, "seconds": end - start,
            "tokens": tokens}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--streams", type=int, default=1)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--warmup", type=int, default=1, help="requests sent (one at a time) before measuring")
    args = parser.parse_args()

    texts = prompts(max(args.requests, 64))
    for i in range(args.warmup):
        one_request(args.port, args.model, texts[-1 - i], args.max_tokens, args.timeout)
    results = []
    lock = threading.Lock()
    next_index = [0]

    def worker():
        while True:
            with lock:
                i = next_index[0]
                if i >= args.requests:
                    return
                next_index[0] += 1
            result = one_request(args.port, args.model, texts[i % len(texts)], args.max_tokens, args.timeout)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(args.streams)]
    wall_start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall_start

    ok = [r for r in results if r["ok"]]
    ttfts = [r["ttft"] for r in ok if r["ttft"] is not None]
    tokens = sum(r["tokens"] for r in ok)
    per_stream = [r["tokens"] / r["seconds"] for r in ok if r["seconds"] > 0]
    json.dump({
        "streams": args.streams, "requests": len(results), "completed": len(ok),
        "refused_429": sum(1 for r in results if r["status"] == 429),
        "errors": sum(1 for r in results if not r["ok"] and r["status"] != 429),
        "error_samples": [r.get("error") or r["status"] for r in results if not r["ok"]][:3],
        "wall_seconds": round(wall, 3), "requests_per_second": round(len(ok) / wall, 4) if wall > 0 else None,
        "ttft_p50": percentile(ttfts, 0.5), "ttft_p95": percentile(ttfts, 0.95),
        "completion_tokens": tokens, "tokens_per_second": round(tokens / wall, 2) if wall > 0 else None,
        "per_request_tokens_per_second_median": statistics.median(per_stream) if per_stream else None,
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
