#!/usr/bin/env python3
"""Load and abuse checks against a live `ragtune serve` (LoadTests.swift runs them; standard library only).

  load_check.py burst ADDRESS KEY PID [--streams 64]   concurrent streaming chats; peak RSS of PID
  load_check.py fuzz ADDRESS KEY [--count 10000]       malformed requests, then GET /health
  load_check.py drain ADDRESS KEY PID                  uploads and a burst of 64 streams while PID gets SIGTERM

Each prints one JSON object on stdout.
"""
import json
import os
import random
import signal
import sys
import threading
import time
import http.client
from urllib.parse import urlparse


def connect(address, timeout=300):
    url = urlparse(address)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)


def wait_ready(address):
    for _ in range(600):
        try:
            c = connect(address, 2)
            c.request("GET", "/ready")
            r = c.getresponse()
            if r.status == 200 and json.loads(r.read()).get("status") == "ready":
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise SystemExit("the server never became ready")


def stream_chat(address, key, prompt, max_tokens):
    """One streaming chat: (status, complete, error event seen, text)."""
    c = connect(address)
    body = json.dumps({"model": "smollm2", "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
                       "temperature": 0.7, "stream": True})
    try:
        c.request("POST", "/v1/chat/completions", body=body,
                  headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
        r = c.getresponse()
        if r.status != 200:
            r.read()
            return r.status, False, False, ""
        done, error, text = False, False, []
        for raw in r:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                done = True
                break
            event = json.loads(payload)
            if "error" in event:
                error = True
            for choice in event.get("choices") or []:
                text.append((choice.get("delta") or {}).get("content") or "")
        return 200, done, error, "".join(text)
    except Exception as e:
        return 0, False, True, repr(e)
    finally:
        c.close()


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def burst(address, key, pid, streams):
    wait_ready(address)
    rss_before = peak_rss_mb(pid)
    results = [None] * streams
    start = time.time()

    def run(i):
        results[i] = stream_chat(address, key, f"Tell me a short story about the number {i}.", 32)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(streams)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = {}
    for status, *_ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    broken = [i for i, (status, done, error, _) in enumerate(results) if status == 200 and (not done or error)]
    print(json.dumps({"streams": streams, "statuses": statuses, "incomplete_streams": broken,
                      "seconds": round(time.time() - start, 2), "peak_rss_mb_before": rss_before,
                      "peak_rss_mb": peak_rss_mb(pid)}))


def fuzz(address, key, count, seed=7):
    wait_ready(address)
    rng = random.Random(seed)
    auth = {"Authorization": "Bearer " + key}
    valid = {
        "/v1/chat/completions": {"model": "smollm2", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1},
        "/v1/completions": {"model": "smollm2", "prompt": "hi", "max_tokens": 1},
        "/v1/embeddings": {"model": "all-minilm-l6-v2", "input": ["a", "b"]},
        "/v1/collections/fuzz/documents": {"documents": [{"id": "d1", "text": "a fuzz document"}]},
        "/v1/collections/fuzz/search": {"query": "fuzz", "k": 3},
        "/v1/collections/fuzz/ask": {"question": "what?"},
    }
    other_paths = ["/v1/models/nope", "/v1/jobs/job-does-not-exist", "/v1/collections/missing/search",
                   "/v1/collections/..%2F..%2Fetc/documents", "/v1/collections/other-tenant/documents/x", "/v1/nowhere",
                   "/v1/collections/fuzz/documents/../../keys", "/%00", "/v1/chat/completions?x=" + "a" * 5000]
    values = [None, True, -1, 0, 2**63, -2**70, 1e308, "", "x" * 300, [], {}, [[[]]], {"a": {"b": None}}, "\ud800",
              "smollm2+ghost", "rag:missing", "rag:../../x", 3.5, "\u0000"]

    def mutate(body):
        kind = rng.randrange(10)
        if kind == 0:  # a field's value replaced by one of another type
            b = json.loads(json.dumps(body))
            field = rng.choice(list(b))
            b[field] = rng.choice(values)
            return json.dumps(b).encode()
        if kind == 1:  # a field removed, an unknown one added
            b = json.loads(json.dumps(body))
            b.pop(rng.choice(list(b)))
            b[rng.choice(["n", "tools", "logprobs", "echo", "stream", "stop", "top_p", "seed", "zzz"])] = rng.choice(values)
            return json.dumps(b).encode()
        raw = json.dumps(body).encode()
        if kind == 2:  # truncated
            return raw[:rng.randrange(len(raw))]
        if kind == 3:  # random bytes flipped
            b = bytearray(raw)
            for _ in range(rng.randrange(1, 6)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            return bytes(b)
        if kind == 4:  # invalid UTF-8 inside a string
            return raw.replace(b'"hi"', b'"h\xff\xfei"').replace(b'"fuzz"', b'"\xc3\x28"')
        if kind == 5:  # deep nesting
            depth = rng.choice([100, 1000, 100000])
            return b'{"model":"smollm2","messages":' + b"[" * depth + b"]" * depth + b"}"
        if kind == 6:  # not JSON at all
            return rng.choice([b"", b"null", b"[]", b"42", b"\x00\x01\x02", b"<xml/>", os.urandom(rng.randrange(1, 200))])
        if kind == 7:  # huge numbers and strings
            b = json.loads(json.dumps(body))
            b[rng.choice(list(b))] = "9" * rng.choice([20, 400, 5000])
            return json.dumps(b).encode().replace(b'"9999', b"9999", 1)
        if kind == 8:  # duplicate keys, trailing garbage
            return raw[:-1] + b', "model": 1}' + rng.choice([b"", b"}", b"garbage", b"\n\n{}"])
        return raw.replace(b"smollm2", b"no-such-model")

    stats = {"sent": 0, "by_status": {}, "server_errors": [], "bad_error_bodies": [], "connection_failures": 0}
    c = connect(address, 60)

    def send(method, path, body, headers):
        nonlocal c
        for attempt in range(2):
            try:
                c.request(method, path, body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    c.close()
                    c = connect(address, 60)
                return r.status, data
            except (http.client.HTTPException, ConnectionError, OSError):
                c.close()
                c = connect(address, 60)
                if attempt == 1:
                    raise
        return None

    huge = json.dumps({"model": "smollm2", "messages": [{"role": "user", "content": "x" * (10 << 20)}]}).encode()
    for i in range(count):
        if i % 2500 == 0:  # a 10 MB prompt now and then
            method, path, body, headers = "POST", "/v1/chat/completions", huge, {"Content-Type": "application/json"}
        else:
            roll = rng.random()
            path = rng.choice(list(valid)) if roll < 0.85 else rng.choice(other_paths)
            method = "POST" if rng.random() < 0.9 else rng.choice(["GET", "PUT", "DELETE", "PATCH"])
            body = mutate(valid.get(path, valid["/v1/chat/completions"]))
            headers = {"Content-Type": rng.choice(["application/json"] * 6 + ["text/plain", "multipart/form-data; boundary=x",
                                                                            "multipart/form-data", "application/x-www-form-urlencoded"])}
        if rng.random() < 0.97:
            headers.update(auth)
        elif rng.random() < 0.5:
            headers["Authorization"] = rng.choice(["Bearer rtk-0000", "Basic abc", "Bearer " + key[:-1] + "x", "Bearer"])
        try:
            status, data = send(method, path, body, headers)
        except Exception as e:
            stats["connection_failures"] += 1
            if len(stats["server_errors"]) < 5:
                stats["server_errors"].append({"request": i, "error": repr(e), "path": path, "body": body[:200].decode("latin-1")})
            continue
        stats["sent"] += 1
        stats["by_status"][str(status)] = stats["by_status"].get(str(status), 0) + 1
        if status >= 500 and len(stats["server_errors"]) < 5:
            stats["server_errors"].append({"request": i, "status": status, "path": path, "body": body[:200].decode("latin-1"),
                                           "response": data[:300].decode("latin-1")})
        if status >= 400:
            try:
                error = json.loads(data)["error"]
                assert isinstance(error["message"], str) and error["message"]
            except Exception:
                if len(stats["bad_error_bodies"]) < 5:
                    stats["bad_error_bodies"].append({"status": status, "path": path, "response": data[:300].decode("latin-1")})
    health = connect(address, 10)
    health.request("GET", "/health")
    stats["health_after"] = health.getresponse().status
    print(json.dumps(stats))


def drain(address, key, pid):
    wait_ready(address)
    acknowledged, refused = [], []
    stop_uploading = threading.Event()

    def upload():
        i = 0
        while not stop_uploading.is_set():
            doc = {"id": f"drain-{i}", "text": f"Document {i} of the drain test: the code word is word{i}."}
            try:
                c = connect(address, 120)
                c.request("POST", "/v1/collections/drain/documents", body=json.dumps(doc),
                          headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
                r = c.getresponse()
                r.read()
                (acknowledged if r.status == 200 else refused).append(doc["id"])
                c.close()
            except Exception:
                refused.append(doc["id"])
                if not process_alive(pid):
                    return
                time.sleep(0.05)
            i += 1

    streams = [None] * 64

    def chat(i):
        streams[i] = stream_chat(address, key, f"Write a poem about the sea, number {i}.", 32)

    uploader = threading.Thread(target=upload)
    uploader.start()
    chats = [threading.Thread(target=chat, args=(i,)) for i in range(64)]
    for t in chats:
        t.start()
    while len(acknowledged) < 8:
        time.sleep(0.05)
    os.kill(pid, signal.SIGTERM)
    signalled_at = len(acknowledged)
    for t in chats:
        t.join()
    deadline = time.time() + 120
    while process_alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    stop_uploading.set()
    uploader.join()
    print(json.dumps({"acknowledged": acknowledged, "acknowledged_when_signalled": signalled_at,
                      "refused": len(refused), "exited": not process_alive(pid),
                      "streams": [{"status": s, "complete": d, "error": e} for s, d, e, _ in streams]}))


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


if __name__ == "__main__":
    mode, address, key = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "burst":
        burst(address, key, int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 64)
    elif mode == "fuzz":
        fuzz(address, key, int(sys.argv[4]) if len(sys.argv) > 4 else 10000)
    elif mode == "drain":
        drain(address, key, int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
