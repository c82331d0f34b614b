"""The official `openai` Python client against a live `ragtune serve` (run by LiveServerTests).

    python openai_client_check.py BASE_URL SERVER_PID API_KEY

Waits for GET /ready, then checks, in order: a wrong key is refused (401), models, chat (whole and streamed), text completion, embeddings (the client's
default base64 encoding and floats), the error classes of a 404 and a 400, that a streaming client
that disconnects frees the model at once, and that SIGTERM lets a stream in flight finish. Prints
one JSON object: {"checks": [{"name", "ok", "detail"}...]}; exits 1 if any check failed.
"""
import json
import os
import signal
import sys
import time
import urllib.request

import openai

base, pid, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
client = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=120)
checks = []


def check(name, ok, detail=""):
    checks.append({"name": name, "ok": bool(ok), "detail": str(detail)[:500]})


def ready():
    with urllib.request.urlopen(base + "/ready", timeout=30) as response:
        return json.load(response)


def wait_until_ready(seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if ready()["status"] == "ready":
                return
        except Exception:  # 503 while loading, or not listening yet
            pass
        time.sleep(0.2)
    raise SystemExit(f"{base}/ready did not say ready within {seconds} s")


def run(name, body):
    try:
        body()
    except Exception as error:  # a failed check, not a crash: report and go on
        check(name, False, f"{type(error).__name__}: {error}")


question = [{"role": "user", "content": "Name one primary colour."}]


def wrong_key():
    outsider = openai.OpenAI(base_url=base + "/v1", api_key="rtk-000000000000-" + "0" * 48, max_retries=0, timeout=30)
    try:
        outsider.models.list()
        check("wrong key refused", False, "a wrong key listed the models")
    except openai.AuthenticationError as error:
        check("wrong key refused", error.status_code == 401, error)


def models():
    ids = [m.id for m in client.models.list()]
    check("models.list", ids == ["smollm2", "minilm"], ids)


def chat():
    whole = client.chat.completions.create(model="smollm2", messages=question, temperature=0, max_tokens=12)
    text = whole.choices[0].message.content
    check("chat.completions", whole.object == "chat.completion" and text and whole.usage.total_tokens > 0,
          whole.model_dump_json())
    parts, finish, usage = [], None, None
    for chunk in client.chat.completions.create(model="smollm2", messages=question, temperature=0, max_tokens=12,
                                                stream=True, stream_options={"include_usage": True}):
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    check("chat.completions stream", "".join(parts) == text and finish in ("stop", "length")
          and usage is not None and usage.completion_tokens == whole.usage.completion_tokens,
          {"streamed": "".join(parts), "whole": text, "finish": finish, "usage": str(usage)})


def completion():
    done = client.completions.create(model="smollm2", prompt="The capital of France is", temperature=0, max_tokens=8)
    check("completions", done.object == "text_completion" and done.choices[0].text, done.model_dump_json())


def embeddings():
    base64_default = client.embeddings.create(model="minilm", input=["first text", "second text"])
    floats = client.embeddings.create(model="minilm", input="first text", encoding_format="float")
    a, b = base64_default.data[0].embedding, floats.data[0].embedding
    check("embeddings", len(base64_default.data) == 2 and len(a) == 384 and len(b) == 384
          and max(abs(x - y) for x, y in zip(a, b)) < 1e-6 and abs(sum(x * x for x in a) - 1) < 1e-3,
          {"count": len(base64_default.data), "dims": len(a)})


def errors():
    try:
        client.chat.completions.create(model="gpt-4", messages=question)
        check("error 404", False, "no error for an unknown model")
    except openai.NotFoundError as error:
        check("error 404", error.status_code == 404 and "gpt-4" in str(error), error)
    try:
        client.chat.completions.create(model="smollm2", messages=question, n=2)
        check("error 400", False, "no error for n=2")
    except openai.BadRequestError as error:
        check("error 400", error.status_code == 400 and error.body.get("param") == "n", error.body)


def disconnect_frees_the_model():
    stream = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Tell a long story."}],
                                            temperature=0.8, max_tokens=7000, stream=True)
    for _ in zip(range(3), stream):
        pass
    stream.close()  # the client goes away after three chunks of up to 7000 tokens
    start = time.time()
    while time.time() - start < 30 and ready()["running"]:
        time.sleep(0.2)
    idle = not ready()["running"]
    check("disconnect frees the model", idle, f"idle after {time.time() - start:.1f} s")


def sigterm_finishes_the_stream_in_flight():
    parts, finish, signalled = [], None, False
    for chunk in client.chat.completions.create(model="smollm2", messages=question, temperature=0, max_tokens=24,
                                                stream=True):
        if not signalled:
            os.kill(pid, signal.SIGTERM)  # while the stream runs
            signalled = True
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
    check("SIGTERM finishes the stream in flight", finish in ("stop", "length") and "".join(parts),
          {"finish": finish, "text": "".join(parts)})


wait_until_ready()
for name, body in [("wrong key refused", wrong_key), ("models.list", models), ("chat.completions", chat), ("completions", completion),
                   ("embeddings", embeddings), ("errors", errors),
                   ("disconnect frees the model", disconnect_frees_the_model),
                   ("SIGTERM finishes the stream in flight", sigterm_finishes_the_stream_in_flight)]:
    run(name, body)
print(json.dumps({"openai_version": openai.__version__, "checks": checks}))
sys.exit(0 if all(c["ok"] for c in checks) else 1)
