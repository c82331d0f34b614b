#!/usr/bin/env python3
"""numpy float32 reference for `ragtune bench embed` and `ragtune bench embed-corpus`: the same
MiniLM forward (BERT, exact-erf GELU, mean pooling, L2 norm), timed. Thread count comes from the
environment (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, RAYON_NUM_THREADS for the tokenizer), set by
bench_embed.sh / bench_embed_corpus.sh per run.

Fixed mode (default): a batch of 128-token chunks. Corpus mode (`--corpus corpus.jsonl`): a BEIR
corpus embedded as BEIR + sentence-transformers `encode` do it: text = (title + " " + text).strip(),
WordPiece via the `tokenizers` package and the model's tokenizer.json truncated to 256 tokens,
inputs sorted by length (here by token count, which pads less than sentence-transformers' sort by
characters), batches of 32 padded to their longest member, attention mask in the scores and in
mean pooling. Timed end to end: tokenization + forward, per round.

Reads model.safetensors directly with numpy (no torch / safetensors package needed).
Prints one JSON object: chunks/s or docs/s, the BLAS kernel numpy uses (threadpoolctl) and threads.
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


def forward(w, ids, mask=None, heads=12, layers=6):
    """ids [batch, seq]; mask [batch, seq] of 0/1 (None: no padding). Returns [batch, hidden]."""
    bsz, seq = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:seq] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    hidden = x.shape[-1]
    d = hidden // heads
    if mask is not None:
        bias = ((np.float32(1) - mask.astype(np.float32)) * np.finfo(np.float32).min)[:, None, None, :]
    for i in range(layers):
        p = f"encoder.layer.{i}."
        lin = lambda t, n: t @ w[p + n + ".weight"].T + w[p + n + ".bias"]
        q = lin(x, "attention.self.query").reshape(bsz, seq, heads, d).transpose(0, 2, 1, 3)
        k = lin(x, "attention.self.key").reshape(bsz, seq, heads, d).transpose(0, 2, 1, 3)
        v = lin(x, "attention.self.value").reshape(bsz, seq, heads, d).transpose(0, 2, 1, 3)
        s = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(d))
        if mask is not None:  # as Hugging Face BERT: the dtype's minimum added on padded keys
            s += bias
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(bsz, seq, hidden)
        x = layer_norm(x + lin(ctx, "attention.output.dense"),
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        h = lin(x, "intermediate.dense")
        h = h * np.float32(0.5) * (np.float32(1) + erf(h / np.float32(np.sqrt(2))).astype(np.float32))
        x = layer_norm(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    if mask is None:
        pooled = x.mean(1)
    else:
        m = mask.astype(np.float32)[:, :, None]
        pooled = (x * m).sum(1) / m.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            return {"internal_api": info[0].get("internal_api"), "architecture": info[0].get("architecture"),
                    "threads": info[0].get("num_threads"), "version": info[0].get("version")}
        return {}
    except Exception as e:  # threadpoolctl missing
        return {"error": str(e)}


def fixed(args, w):
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
    return {"chunks_per_second": rounds[1], "chunks_per_second_rounds": rounds}


def corpus_texts(path, limit):
    """BEIR's SentenceBERT.encode_corpus input: (title + " " + text).strip(), file order."""
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            doc = json.loads(line)
            texts.append((str(doc.get("title") or "") + " " + doc["text"]).strip())
            if limit and len(texts) >= limit:
                break
    return texts


def embed_corpus(w, tokenizer, texts, batch_size):
    """Tokenize, sort by length, embed padded batches with the mask. Returns [len(texts), hidden]."""
    encodings = tokenizer.encode_batch(texts)
    lengths = np.array([len(e.ids) for e in encodings])
    order = np.argsort(-lengths, kind="stable")
    out = None
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        seq = lengths[idx].max()
        ids = np.zeros((len(idx), seq), dtype=np.int64)
        mask = np.zeros((len(idx), seq), dtype=np.int64)
        for row, i in enumerate(idx):
            n = lengths[i]
            ids[row, :n] = encodings[i].ids
            mask[row, :n] = 1
        vectors = forward(w, ids, mask)
        if out is None:
            out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
        out[idx] = vectors
    return out, lengths


def corpus(args, w):
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(os.path.join(args.model_dir, "tokenizer.json"))
    tokenizer.no_padding()  # sentence-transformers pads per batch itself and truncates to max_seq_length
    tokenizer.enable_truncation(args.max_length)
    texts = corpus_texts(args.corpus, args.limit)
    embed_corpus(w, tokenizer, texts[:args.batch_size], args.batch_size)  # warm-up
    start = time.perf_counter()
    tokenizer.encode_batch(texts)
    tokenize_seconds = time.perf_counter() - start
    rounds, vectors, lengths = [], None, None
    for _ in range(args.rounds):
        start = time.perf_counter()
        vectors, lengths = embed_corpus(w, tokenizer, texts, args.batch_size)
        rounds.append(len(texts) / (time.perf_counter() - start))
    result = {"docs": len(texts), "tokens": int(lengths.sum()), "docs_per_second": sorted(rounds)[len(rounds) // 2],
              "docs_per_second_rounds": rounds, "tokenize_seconds": tokenize_seconds,
              "max_length": args.max_length, "batch_size": args.batch_size,
              "rayon_threads_env": os.environ.get("RAYON_NUM_THREADS")}
    result["tokens_per_second"] = result["docs_per_second"] * result["tokens"] / len(texts)
    if args.vectors_out:
        with open(args.vectors_out, "w") as f:
            json.dump({"lengths": lengths.tolist(), "vectors": vectors[:args.check_docs].tolist()}, f)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--corpus", help="BEIR corpus.jsonl: corpus mode")
    ap.add_argument("--limit", type=int, default=0, help="first N documents (0: all)")
    ap.add_argument("--rounds", type=int, default=3, help="corpus mode: full passes, median reported")
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--vectors-out", help="corpus mode: write token counts and the first --check-docs vectors")
    ap.add_argument("--check-docs", type=int, default=16)
    args = ap.parse_args()
    w = load_safetensors(os.path.join(args.model_dir, "model.safetensors"))
    result = corpus(args, w) if args.corpus else fixed(args, w)
    result.update({"numpy": np.__version__, "blas": blas_info(),
                   "threads_env": os.environ.get("OPENBLAS_NUM_THREADS")})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
