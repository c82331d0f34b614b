#!/usr/bin/env python3
"""A seeded knowledge base of invented facts, built unlike ../shared/data/fictional-kb: other
names, other things, other attributes, other sentence templates and questions. Used to train the
RAFT-style reader on one knowledge base and measure it on another (README, "A trained reader"),
so the adapter learns to read, not the facts or the phrasings of the set it is measured on.

    python3 Benchmarks/make_invented_kb.py --out DIR [--seed 7] [--entities 120] [--restricted-every N] [--updates]

Writes DIR/docs/workshop-NNN.md (three instruments per file, sentences shuffled) and
DIR/qa.jsonl ({"id","entity","doc","kind","fact","restricted","question","answer"}, kinds: maker,
made, year, town, material, mentor, count; "maker" and "made" ask about the same fact in both
directions and share its "fact" id; "made" lines carry "probe": "reversal", so `ragtune compare`
never trains an adapter on them and asks them as the reversal probe). With --restricted-every N, every Nth file starts with the
front matter `acl: [board]` and its questions are "restricted": true. With --updates, DIR/docs-v2
holds the same files after a knowledge update (every third instrument was first tested in another
year) and the year questions carry "answer_v2". With --unanswerable N, N more questions the notes
cannot answer (answer "Not found in the sources.", kinds absent_attribute: an attribute the notes
never give about an instrument or a person they describe, and absent_entity: an instrument or a
person they never mention), half of each. The options do not change the random draws: the same seed
gives the same names and sentences with or without them.
"""
import argparse
import json
import pathlib
import random

ONSETS = ["br", "c", "d", "f", "gr", "h", "k", "l", "m", "n", "p", "qu", "r", "s", "sk", "t", "tr", "v", "w", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ae", "ei", "ou"]
CODAS = ["", "n", "r", "s", "th", "l", "m", "x", "nd", "rk"]
THINGS = ["astrolabe", "chronometer", "sextant", "barometer", "orrery", "telescope", "hygrometer", "pendulum",
          "seismograph", "theodolite", "planimeter", "anemometer"]
MATERIALS = ["brass", "walnut", "cast iron", "bronze", "pewter", "rosewood", "silver", "blue glass", "ivory", "slate"]
PARTS = ["gears", "dials", "lenses", "springs", "levers", "rings"]

MAKER = ["{thing} was built by {maker}.", "{maker} built {thing} in a rented workshop.",
         "It was {maker} who assembled {thing}.", "{thing} came out of the workshop of {maker}."]
YEAR = ["{thing} was first tested in {year}.", "The first trial of {thing} took place in {year}.",
        "In {year}, {thing} was shown to the public for the first time."]
TOWN = ["Today {thing} is kept in the town of {town}.", "{thing} now stands in a museum in {town}.",
        "Visitors can see {thing} in {town}."]
MATERIAL = ["The frame of {thing} is made of {material}.", "{thing} has a case of {material}.",
            "Its maker chose {material} for the body of {thing}."]
MENTOR = ["{maker} trained under {mentor}.", "As an apprentice, {maker} learned the trade from {mentor}.",
          "{mentor} taught {maker} to cut gears."]
COUNT = ["{thing} has {count} {part}.", "Inside {thing} there are {count} {part}.",
         "{thing} needs {count} {part} to run."]

QUESTIONS = {
    "maker": ["Who built {thing}?", "Which instrument maker produced {thing}?"],
    "made": ["What did {maker} build?", "Which instrument is the work of {maker}?"],
    "year": ["When was {thing} first tested?", "In which year did {thing} have its first trial?"],
    "town": ["Where is {thing} kept today?", "In which town can one see {thing}?"],
    "material": ["What material is the body of {thing} made of?", "What is {thing} made of?"],
    "mentor": ["Who taught {maker} the trade?", "Under whom did {maker} train?"],
    "count": ["How many {part} does {thing} have?", "How many {part} are inside {thing}?"],
}

# Questions the notes cannot answer: attributes they never give, asked of what they describe.
ABSENT_ATTRIBUTE = ["Who repaired {thing}?", "How much did {thing} cost?", "What colour is the case of {thing}?",
                    "Who owned {thing} before it was kept in {town}?", "Which prize did {maker} receive?",
                    "Where did {maker} die?", "Which language did {mentor} speak?", "How heavy is {thing}?",
                    "Who paid for {thing}?", "When did {maker} retire?", "Who was the wife of {mentor}?",
                    "What is {thing} used to measure?"]
ABSENT_ENTITY = ["Who built the {name}?", "When was the {name} first tested?", "Where is the {name} kept today?",
                 "Who taught {person} the trade?", "What did {person} build?", "What is the {name} made of?"]
NOT_FOUND = "Not found in the sources."


def absent_questions(rng, entities, used, count):
    """`count` questions the notes cannot answer, half about attributes they never give, half about
    instruments and people they never mention (names drawn unlike any used)."""
    lines = []
    for i in range(count):
        if i % 2 == 0:
            e = rng.choice(entities)
            lines.append({"kind": "absent_attribute", "entity": entities.index(e),
                          "question": rng.choice(ABSENT_ATTRIBUTE).format(**e)})
        else:
            name = unique(rng, lambda: f"{word(rng, 2)} {rng.choice(THINGS)}", used)
            person = unique(rng, lambda: f"{word(rng, 1)} {word(rng, 2)}", used)
            lines.append({"kind": "absent_entity", "question": rng.choice(ABSENT_ENTITY).format(name=name, person=person)})
    for line in lines:
        line["question"] = line["question"][0].upper() + line["question"][1:]
        line.update({"answer": NOT_FOUND, "restricted": False})
    return lines


def word(rng, syllables):
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)).capitalize()


def unique(rng, make, used):
    while True:
        value = make()
        if value not in used:
            used.add(value)
            return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--entities", type=int, default=120)
    parser.add_argument("--restricted-every", type=int, default=0)
    parser.add_argument("--updates", action="store_true")
    parser.add_argument("--unanswerable", type=int, default=0)
    args = parser.parse_args()
    update_rng = random.Random(args.seed + 1_000_003)
    rng = random.Random(args.seed)
    used = set()
    out = pathlib.Path(args.out)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    if args.updates:
        (out / "docs-v2").mkdir(parents=True, exist_ok=True)
    entities = []
    for i in range(args.entities):
        name = unique(rng, lambda: f"{word(rng, 2)} {rng.choice(THINGS)}", used)
        entities.append({
            "thing": f"the {name}", "name": name,
            "maker": unique(rng, lambda: f"{word(rng, 1)} {word(rng, 2)}", used),
            "mentor": unique(rng, lambda: f"{word(rng, 2)} {word(rng, 1)}", used),
            "year": str(rng.randint(1700, 1899)),
            "town": unique(rng, lambda: word(rng, 2), used),
            "material": rng.choice(MATERIALS),
            "count": str(rng.randint(3, 60)), "part": rng.choice(PARTS),
        })
    lines = []
    for start in range(0, len(entities), 3):
        doc = f"workshop-{start // 3:03d}.md"
        restricted = args.restricted_every > 0 and (start // 3) % args.restricted_every == args.restricted_every - 1
        paragraphs, updated_paragraphs = [], []
        for index in range(start, min(start + 3, len(entities))):
            e = entities[index]
            sentences = [rng.choice(group).format(**e) for group in (MAKER, YEAR, TOWN, MATERIAL, MENTOR, COUNT)]
            rng.shuffle(sentences)
            paragraphs.append(" ".join(s[0].upper() + s[1:] for s in sentences))
            new_year = e["year"]
            if args.updates and index % 3 == 0:
                new_year = str(int(e["year"]) + update_rng.choice([-1, 1]) * update_rng.randint(1, 30))
            updated_paragraphs.append(paragraphs[-1].replace(e["year"], new_year))
            answers = {"maker": e["maker"], "made": e["name"], "year": e["year"], "town": e["town"],
                       "material": e["material"], "mentor": e["mentor"], "count": e["count"]}
            for kind, templates in QUESTIONS.items():
                question = rng.choice(templates).format(**e)
                fact = f"e{index}-" + ("maker" if kind == "made" else kind)
                line = {"id": f"w{len(lines):04d}", "entity": index, "doc": doc, "kind": kind, "fact": fact,
                        "restricted": restricted, "question": question[0].upper() + question[1:], "answer": answers[kind]}
                if kind == "made":
                    line["probe"] = "reversal"
                if args.updates and kind == "year":
                    line["answer_v2"] = new_year
                lines.append(line)
        front = "---\nacl: [board]\n---\n" if restricted else ""
        (out / "docs" / doc).write_text(front + f"# Workshop records {start // 3}\n\n" + "\n\n".join(paragraphs) + "\n")
        if args.updates:
            (out / "docs-v2" / doc).write_text(front + f"# Workshop records {start // 3}\n\n" + "\n\n".join(updated_paragraphs) + "\n")
    if args.unanswerable:
        for line in absent_questions(random.Random(args.seed + 2_000_003), entities, used, args.unanswerable):
            lines.append({"id": f"w{len(lines):04d}", **line})
    with open(out / "qa.jsonl", "w") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")
    print(f"{len(entities)} instruments in {len(range(0, len(entities), 3))} files, {len(lines)} questions -> {out}")


if __name__ == "__main__":
    main()
