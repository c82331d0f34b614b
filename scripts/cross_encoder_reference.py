#!/usr/bin/env python3
"""Reference (testing-only) numpy BERT cross-encoder, and the fixture checkpoint it scores.

No trained cross-encoder ships with RagTune, so this builds one: the all-MiniLM-L6-v2 weights
(embeddings, 6 encoder layers and the real pooler) renamed with the `bert.` prefix of Hugging Face
`BertForSequenceClassification`, plus a classifier head drawn from a seeded SplitMix64 stream:

    classifier.weight [num_labels, 384], then classifier.bias [num_labels], in that order,
    each value uniform in [-0.1, 0.1): lo + (hi - lo) * float32(next() >> 40) / 2**24,
    computed in float32 exactly as `SplitMix64.float(_:_:)` in Sources/Tensor/SplitMix64.swift.

The forward pass (float64 on the F32 weights) is HF `BertForSequenceClassification`:
    embeddings = LN(word[id] + position[pos] + token_type[type])   (types: 0 for [CLS] a [SEP], 1 for b [SEP])
    6 post-LN encoder layers (exact erf GELU, LayerNorm eps 1e-12)
    pooled     = tanh(pooler.dense · h[CLS] + b)
    logits     = classifier · pooled + b

Tokenization: the `tokenizers` package on the model's tokenizer.json, with its padding removed and
pair truncation "longest_first" to max_length 512 (the model's max positions), as HF does for
cross-encoders.

Needs only numpy and tokenizers (safetensors files are read and written here by hand, in the same
layout as Sources/ModelFiles/SafetensorsWriter.swift, so the Swift-built checkpoint has the same
SHA-256).

Examples:
  python3 scripts/cross_encoder_reference.py --model-dir ~/.cache/ragtune/models/minilm \\
      --checkpoint-dir /tmp/ce-fixture --fixture-dir Tests/Fixtures/cross-encoder
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import struct
import sys

import numpy as np

MAX_LENGTH = 512
LN_EPS = 1e-12
SEED = 42
HEAD_RANGE = (-0.1, 0.1)

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "I16": np.int16, "I8": np.int8, "U8": np.uint8}
_erf = np.vectorize(math.erf, otypes=[np.float64])

# (question, passage) pairs; 6 and 7 are truncated, 5 is non-ASCII.
_FILLER = ("Retrieval-augmented generation first searches a corpus for passages related to the question, "
           "then asks a language model to answer from them, citing each source it uses. ")
PAIRS = [
    ("What do bees make from nectar?", "Bees make honey from the nectar of flowers."),
    ("What do bees make from nectar?", "Comets have long icy tails when they pass near the sun."),
    ("Who designed the Mordro-18 reactor?", "The Mordro-18 reactor was designed by Kesttov Kanaxdro in 1980."),
    ("What is BM25?", "BM25 is a ranking function used by search engines to estimate the relevance of "
                      "documents to a given search query."),
    ("How many layers does all-MiniLM-L6-v2 have?",
     "all-MiniLM-L6-v2 has 6 transformer layers and 384-dimensional hidden states."),
    ("Où se trouve la tour Eiffel ? Ça coûte combien ?",
     "La tour Eiffel est située à Paris, sur le Champ-de-Mars. 東京タワーは東京にあります。 Über 300 Meter hoch — 😀"),
    ("What does retrieval-augmented generation do?", _FILLER * 30),
    ("Why " + "does the retriever miss the relevant passage " * 40 + "?", _FILLER * 20),
]


class SplitMix64:
    """Steele, Lea & Flood 2014, bit for bit as Sources/Tensor/SplitMix64.swift."""
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def floats(self, count, lo, hi):
        """Uniform float32 in [lo, hi) from the top 24 bits: lo + (hi - lo) * u / 2**24, rounded per op."""
        lo32, hi32 = np.float32(lo), np.float32(hi)
        u = np.array([self.next() >> 40 for _ in range(count)], dtype=np.float32)  # exact: < 2**24
        return lo32 + ((hi32 - lo32) * u) / np.float32(1 << 24)


def classifier_head(seed, labels, hidden):
    """(weight [labels, hidden], bias [labels]) float32, weight drawn first."""
    rng = SplitMix64(seed)
    weight = rng.floats(labels * hidden, *HEAD_RANGE).reshape(labels, hidden)
    bias = rng.floats(labels, *HEAD_RANGE)
    return weight, bias


def read_safetensors(path):
    """(tensors {name: ndarray}, metadata) from a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        tensors[name] = (np.frombuffer(data[base + start:base + end], dtype=_DTYPES[info["dtype"]])
                         .reshape(info["shape"]), info["dtype"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Same bytes as SafetensorsWriter: tensors by element size (largest first), then name;
    `__metadata__` first; header padded with spaces to a multiple of 8."""
    ordered = sorted(tensors.items(), key=lambda kv: (-np.dtype(_DTYPES[kv[1][1]]).itemsize, kv[0]))
    entries = []
    if metadata:
        pairs = ",".join(f"{json.dumps(k)}:{json.dumps(metadata[k])}" for k in sorted(metadata))
        entries.append('"__metadata__":{' + pairs + "}")
    offset, blobs = 0, []
    for name, (array, dtype) in ordered:
        blob = np.ascontiguousarray(array, dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<")).tobytes()
        shape = ",".join(str(d) for d in array.shape)
        entries.append(f'{json.dumps(name)}:{{"dtype":"{dtype}","shape":[{shape}],'
                       f'"data_offsets":[{offset},{offset + len(blob)}]}}')
        offset += len(blob)
        blobs.append(blob)
    header = ("{" + ",".join(entries) + "}").encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for blob in blobs:
            f.write(blob)


def build_checkpoint(model_dir, out_dir, seed=SEED, labels=1):
    """Writes model.safetensors (bert.* + classifier.*), config.json and tokenizer.json to out_dir."""
    tensors, metadata = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    weight, bias = classifier_head(seed, labels, config["hidden_size"])
    out = {"bert." + name: value for name, value in tensors.items()}
    out["classifier.weight"] = (weight, "F32")
    out["classifier.bias"] = (bias, "F32")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "model.safetensors")
    write_safetensors(path, out, metadata)
    config.update({"architectures": ["BertForSequenceClassification"], "num_labels": labels,
                   "id2label": {str(i): f"LABEL_{i}" for i in range(labels)},
                   "label2id": {f"LABEL_{i}": i for i in range(labels)}})
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    shutil.copyfile(os.path.join(model_dir, "tokenizer.json"), os.path.join(out_dir, "tokenizer.json"))
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return weight, bias, digest


class CrossEncoderReference:
    """BertForSequenceClassification in float64, from a checkpoint with `bert.`-prefixed names."""

    def __init__(self, checkpoint_dir):
        tensors, _ = read_safetensors(os.path.join(checkpoint_dir, "model.safetensors"))
        with open(os.path.join(checkpoint_dir, "config.json"), encoding="utf-8") as f:
            self.config = json.load(f)
        w = lambda name: tensors[name][0].astype(np.float64)  # noqa: E731
        self.word = w("bert.embeddings.word_embeddings.weight")         # [vocab, hidden]
        self.pos = w("bert.embeddings.position_embeddings.weight")      # [512, hidden]
        self.types = w("bert.embeddings.token_type_embeddings.weight")  # [2, hidden]
        self.emb_ln = (w("bert.embeddings.LayerNorm.weight"), w("bert.embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(self.config["num_hidden_layers"]):
            p = f"bert.encoder.layer.{i}."
            a = p + "attention."
            self.layers.append({  # Linear weights are [out, in]; y = x @ W.T + b
                "q": (w(a + "self.query.weight"), w(a + "self.query.bias")),
                "k": (w(a + "self.key.weight"), w(a + "self.key.bias")),
                "v": (w(a + "self.value.weight"), w(a + "self.value.bias")),
                "o": (w(a + "output.dense.weight"), w(a + "output.dense.bias")),
                "ln1": (w(a + "output.LayerNorm.weight"), w(a + "output.LayerNorm.bias")),
                "i": (w(p + "intermediate.dense.weight"), w(p + "intermediate.dense.bias")),
                "o2": (w(p + "output.dense.weight"), w(p + "output.dense.bias")),
                "ln2": (w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias")),
            })
        self.pooler = (w("bert.pooler.dense.weight"), w("bert.pooler.dense.bias"))  # [hidden, hidden]
        self.classifier = (w("classifier.weight"), w("classifier.bias"))            # [labels, hidden]

    @staticmethod
    def _linear(x, wb):
        return x @ wb[0].T + wb[1]

    @staticmethod
    def _ln(x, gb):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)  # biased, as torch
        return (x - mu) / np.sqrt(var + LN_EPS) * gb[0] + gb[1]

    def forward(self, ids, types):
        """One sequence: (pooled [hidden], logits [labels])."""
        heads = self.config["num_attention_heads"]
        t, hidden = len(ids), self.word.shape[1]
        d = hidden // heads
        h = self._ln(self.word[ids] + self.pos[:t] + self.types[types], self.emb_ln)
        for layer in self.layers:
            split = lambda x: x.reshape(t, heads, d).transpose(1, 0, 2)  # noqa: E731  [heads, t, d]
            q, k, v = (split(self._linear(h, layer[n])) for n in "qkv")
            s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
            p = np.exp(s - s.max(-1, keepdims=True))
            p /= p.sum(-1, keepdims=True)
            context = (p @ v).transpose(1, 0, 2).reshape(t, hidden)
            h = self._ln(self._linear(context, layer["o"]) + h, layer["ln1"])
            f = self._linear(h, layer["i"])
            f = 0.5 * f * (1.0 + _erf(f / math.sqrt(2.0)))  # exact GELU
            h = self._ln(self._linear(f, layer["o2"]) + h, layer["ln2"])
        pooled = np.tanh(self._linear(h[0], self.pooler))
        return pooled, self._linear(pooled, self.classifier)


def load_tokenizer(path, max_length=MAX_LENGTH):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(path)
    tok.no_padding()
    tok.enable_truncation(max_length=max_length, strategy="longest_first")
    return tok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True, help="installed all-MiniLM-L6-v2 (model.safetensors, "
                                                        "config.json, tokenizer.json)")
    ap.add_argument("--checkpoint-dir", required=True, help="where to write the fixture cross-encoder")
    ap.add_argument("--fixture-dir", help="write pairs.jsonl and head.json here (else print the pairs)")
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args(argv)

    weight, bias, digest = build_checkpoint(a.model_dir, a.checkpoint_dir, a.seed)
    model = CrossEncoderReference(a.checkpoint_dir)
    tok = load_tokenizer(os.path.join(a.checkpoint_dir, "tokenizer.json"))
    untruncated = load_tokenizer(os.path.join(a.checkpoint_dir, "tokenizer.json"))
    untruncated.no_truncation()
    rows = []
    for i, (question, passage) in enumerate(PAIRS):
        encoding = tok.encode(question, passage)
        pooled, logits = model.forward(encoding.ids, encoding.type_ids)
        row = {"question": question, "passage": passage, "ids": encoding.ids,
               "token_type_ids": encoding.type_ids,
               "untruncated_length": len(untruncated.encode(question, passage).ids),
               "logits": [float("%.9g" % x) for x in logits]}
        if i == 0:
            row["pooled"] = [float("%.9g" % x) for x in pooled]
        rows.append(row)
        print(f"pair {i}: {len(encoding.ids)} tokens, logits {row['logits']}", file=sys.stderr)
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    if not a.fixture_dir:
        print("\n".join(lines))
        return 0
    os.makedirs(a.fixture_dir, exist_ok=True)
    with open(os.path.join(a.fixture_dir, "pairs.jsonl"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    head = {"seed": a.seed, "range": list(HEAD_RANGE), "checkpoint_sha256": digest,
            "classifier_weight": [float(x) for x in weight.ravel()], "classifier_bias": [float(x) for x in bias]}
    with open(os.path.join(a.fixture_dir, "head.json"), "w", encoding="utf-8") as f:
        json.dump(head, f)
        f.write("\n")
    print(f"checkpoint sha256 {digest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
