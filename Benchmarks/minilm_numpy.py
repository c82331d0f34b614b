#!/usr/bin/env python3
"""numpy float32 reference for `ragtune bench embed`: the same MiniLM forward (BERT, exact-erf
GELU, mean pooling, L2 norm) on a batch of 128-token chunks, timed. Thread count comes from the
environment (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS), set by bench_embed.sh per run.

Reads model.safetensors directly with numpy (no torch / safetensors package needed).
Prints one JSON object: chunks/s, the BLAS kernel numpy uses (threadpoolctl) and threads.
"""
import argparse, json, os, struct, time
import numpy as np

try:
    from scipy.special import erf
except Exception:  # pragma: no cover
    import math
    erf = np.vectorize(math.erf, otypes=[np.float32])


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=np.float32).reshape(info["shape"])
    return out


def layer_norm(x, g, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def forward(w, ids, heads=12, layers=6):
    bsz, seq = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:seq] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    hidden = x.shape[-1]
    d = hidden // heads
    for i in range(layers):
        p = f"encoder.layer.{i}."
        lin = lambda t, n: t @ w[p + n + ".weight"].T + w[p + n + ".bias"]
        q = lin(x, "attention.self.query").reshape(bsz, seq, heads, d).transpose(0, 2, 1, 3)
        k = lin(x, "attention.self.key").reshape(bsz, seq, heads, d).transpose(0, 2, 1, 3)
        v = lin(x, "attention.self.value").reshape(bsz, seq, heads, d).transpose(0, 2, 1, 3)
        s = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(d))
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(bsz, seq, hidden)
        x = layer_norm(x + lin(ctx, "attention.output.dense"),
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        h = lin(x, "intermediate.dense")
        h = h * np.float32(0.5) * (np.float32(1) + erf(h / np.float32(np.sqrt(2))).astype(np.float32))
        x = layer_norm(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = x.mean(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=6)
    args = ap.parse_args()
    w = load_safetensors(os.path.join(args.model_dir, "model.safetensors"))
    rng = np.random.default_rng(42)
    ids = rng.integers(1000, 30522, size=(args.batch_size, args.tokens))
    ids[:, 0], ids[:, -1] = 101, 102
    forward(w, ids)  # warm-up
    rounds = []  # three rounds, median reported, as `ragtune bench embed` does
    for _ in range(3):
        runs, start = 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds / 3:
            forward(w, ids)
            runs += 1
        rounds.append(runs * args.batch_size / (time.perf_counter() - start))
    rounds.sort()
    blas = {}
    try:
        from threadpoolctl import threadpool_info
        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            blas = {"internal_api": info[0].get("internal_api"), "architecture": info[0].get("architecture"),
                    "threads": info[0].get("num_threads"), "version": info[0].get("version")}
    except Exception as e:  # threadpoolctl missing
        blas = {"error": str(e)}
    print(json.dumps({"chunks_per_second": rounds[1], "chunks_per_second_rounds": rounds, "numpy": np.__version__,
                      "blas": blas, "threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}))


if __name__ == "__main__":
    main()
