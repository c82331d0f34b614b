/// Answer-quality metrics with SQuAD's definitions (the official v1.1 evaluation script):
/// answers are normalized (lower case, punctuation and the articles a/an/the removed, whitespace
/// collapsed) before comparing.
public enum QAMetrics {
    /// SQuAD's `normalize_answer`.
    public static func normalize(_ text: String) -> String {
        let lowered = text.lowercased()
        let noPunctuation = String(lowered.unicodeScalars.filter { !isASCIIPunctuation($0) }.map(Character.init))
        return noPunctuation.split(whereSeparator: \.isWhitespace)
            .filter { !["a", "an", "the"].contains($0) }
            .joined(separator: " ")
    }

    /// 1 when the normalized texts are equal, else 0.
    public static func exactMatch(_ prediction: String, _ gold: String) -> Double {
        normalize(prediction) == normalize(gold) ? 1 : 0
    }

    /// Token F1 of the normalized texts (multiset overlap), as SQuAD computes it.
    public static func f1(_ prediction: String, _ gold: String) -> Double {
        let predicted = normalize(prediction).split(separator: " "), reference = normalize(gold).split(separator: " ")
        guard !predicted.isEmpty, !reference.isEmpty else { return predicted.isEmpty && reference.isEmpty ? 1 : 0 }
        var counts: [Substring: Int] = [:]
        for token in reference { counts[token, default: 0] += 1 }
        var common = 0
        for token in predicted where counts[token, default: 0] > 0 {
            counts[token]! -= 1
            common += 1
        }
        guard common > 0 else { return 0 }
        let precision = Double(common) / Double(predicted.count), recall = Double(common) / Double(reference.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// 1 when the normalized gold answer occurs in the normalized prediction as whole words, else 0.
    public static func contains(_ prediction: String, _ gold: String) -> Double {
        let haystack = " " + normalize(prediction) + " ", needle = normalize(gold)
        return !needle.isEmpty && haystack.contains(" " + needle + " ") ? 1 : 0
    }

    /// Whether a gold answer is a bare yes/no (string matching says little about such answers'
    /// presence in retrieved text or cited sources).
    public static func isYesNo(_ gold: String) -> Bool {
        ["yes", "no"].contains(normalize(gold))
    }

    /// Python's `string.punctuation`.
    private static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars.contains(scalar)
    }
}
