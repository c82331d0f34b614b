"""Regenerates english_stemmer_golden.tsv: (word, PyStemmer english stem) pairs.

Words are the bm25s tokens (lower-cased, regex (?u)\\b\\w\\w+\\b) of BEIR SciFact's
corpus.jsonl and queries.jsonl, plus a list of words that exercise every rule and exception
of the Snowball English algorithm. Pairs are picked round-robin over groups keyed by the
rewrite the stemmer applied at the word's end (e.g. 'ational' -> 'at'; unchanged words by
their last letter; words with digits and words with non-ASCII letters form groups of
their own), so that every suffix rule appears.

    pip install PyStemmer==3.1.0
    python make_stemmer_golden.py ../../../../shared/data/scifact > english_stemmer_golden.tsv
    python make_stemmer_golden.py --all ../../../../shared/data/scifact > /tmp/all_pairs.tsv
"""
import collections, json, random, re, sys

import Stemmer

SPECIAL = """skis skies sky dying lying tying idly gently ugly early only singly news howe atlas
cosmos bias andes inning innings outing outings canning herring earring evening evenings proceed
proceeded proceeding exceed exceeding succeed succeeded generate generously general communism
communication arsenal arsenic emergency emerged universal university organization organic later
laterally past pasted pasting international interest intern kiwis gas gaps this agreed feed
bleed luxuriated hoped hopping added ebb egg eggs off sayyid says yes yelling toying crying
cries ties pies died dies apologist psychologist fluently hopefulness hopefully bleeding
consignment consigned consolation controllable rational conditional valency hesitancy
digitizer conformabli radically different eerily logi trilogies zoologist analogies
""".split()


def tokens(path):
    pattern = re.compile(r"(?u)\b\w\w+\b")
    for name in ("corpus.jsonl", "queries.jsonl"):
        with open(f"{path}/{name}", encoding="utf-8") as f:
            for line in f:
                doc = json.loads(line)
                text = (doc.get("title", "") + " " + doc["text"]).lower()
                yield from pattern.findall(text)


def change(word, stem):
    """The rewrite the stemmer applied at the end of the word, e.g. ('ational', 'at')."""
    common = 0
    while common < min(len(word), len(stem)) and word[common] == stem[common]:
        common += 1
    if common == len(word) == len(stem):
        return ("same", word[-1:])
    return (word[common:], stem[common:])


def main():
    args = sys.argv[1:]
    everything = args[0] == "--all"
    path = args[-1]
    stemmer = Stemmer.Stemmer("english")
    words = sorted(set(tokens(path)) | set(SPECIAL))
    pairs = {w: stemmer.stemWord(w) for w in words}
    if everything:
        chosen = words
    else:
        groups = collections.defaultdict(list)
        for w in words:
            if any(c.isdigit() or c == "_" for c in w):
                groups[("digits", False)].append(w)
            elif any(ord(c) > 127 for c in w):
                groups[("non-ascii", pairs[w] != w)].append(w)
            else:
                groups[change(w, pairs[w])].append(w)
        rng = random.Random(20250101)
        for g in groups.values():
            rng.shuffle(g)
        chosen = set(SPECIAL)
        keys = sorted(groups)
        depth = 0
        while len(chosen) < 2000:
            for k in keys:
                if depth < len(groups[k]) and len(chosen) < 2000:
                    chosen.add(groups[k][depth])
            depth += 1
        chosen = sorted(chosen)
    for w in chosen:
        print(f"{w}\t{pairs[w]}")


main()
