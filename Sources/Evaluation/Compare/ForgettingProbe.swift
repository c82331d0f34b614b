import Foundation

/// The forgetting probe: a small fixed set of general-knowledge questions answered closed-book by
/// the base model and by the model with each trained adapter, so a report shows what training on
/// the user's facts cost in what the model already knew.
public struct ForgettingProbe: Codable, Sendable, Equatable {
    /// Questions asked.
    public var questions: Int
    /// Answer-contains of the base model.
    public var base: IntervalEstimate
    /// Adapter (the arm that trains it) → answer-contains of the model with it.
    public var adapters: [String: IntervalEstimate]

    /// Well-known facts with one-word or short answers, the same for every comparison.
    public static let generalKnowledge: [(question: String, answer: String)] = [
        ("What is the capital of France?", "Paris"), ("What is the capital of Japan?", "Tokyo"),
        ("What is the capital of Italy?", "Rome"), ("What is the capital of Germany?", "Berlin"),
        ("What is the capital of Spain?", "Madrid"), ("What is the capital of the United Kingdom?", "London"),
        ("What is the capital of Russia?", "Moscow"), ("What is the capital of China?", "Beijing"),
        ("What is the capital of Canada?", "Ottawa"), ("What is the largest planet in the solar system?", "Jupiter"),
        ("Which planet is known as the Red Planet?", "Mars"), ("Who wrote Romeo and Juliet?", "Shakespeare"),
        ("Who painted the Mona Lisa?", "Leonardo da Vinci"), ("What is the largest ocean on Earth?", "Pacific"),
        ("What gas do plants take in from the air for photosynthesis?", "carbon dioxide"),
        ("What is the tallest mountain in the world?", "Everest"), ("Which animal is known as the king of the jungle?", "lion"),
        ("What is the longest river in Africa?", "Nile"), ("What language is spoken in Brazil?", "Portuguese"),
        ("What is the currency of Japan?", "yen"), ("Who was the first president of the United States?", "Washington"),
        ("Which continent is Egypt in?", "Africa"), ("Which metal is liquid at room temperature?", "mercury"),
        ("What is the hardest natural substance?", "diamond"), ("Who developed the theory of relativity?", "Einstein"),
        ("What do bees make?", "honey"), ("What is the main language of Mexico?", "Spanish"),
        ("Which organ pumps blood through the human body?", "heart"), ("What is the chemical symbol for gold?", "Au"),
        ("Which star is at the center of our solar system?", "Sun"),
    ]

    /// General questions whose base-model answers are mixed into adapter training (replay, so the
    /// adapter keeps what the model already did); none of them is among `generalKnowledge`.
    public static let replayQuestions = [
        "What is the boiling point of water?", "Who invented the telephone?", "What is the largest mammal?",
        "What is photosynthesis?", "What is the capital of Egypt?", "What is the Great Wall of China?",
        "How many legs does a spider have?", "Who discovered penicillin?", "What is the largest desert in the world?",
        "What is DNA?", "Who was Napoleon Bonaparte?", "What is the capital of India?", "What causes rain?",
        "What is the smallest planet in the solar system?", "Who composed the Fifth Symphony?", "What is the main ingredient of bread?",
        "What language is spoken in Argentina?", "What is the Eiffel Tower?", "What do cows eat?", "What is the capital of Greece?",
        "Which ocean lies between Europe and America?", "What do the lungs do?", "What is a volcano?", "What is the capital of Portugal?",
        "What is the currency of the United States?", "What is gravity?", "Which animal is the fastest on land?",
        "What is the capital of Kenya?", "Who was Cleopatra?", "What is the moon made of?",
    ]
}

/// The probe's answers, saved so a re-run does not ask again.
struct ForgettingAnswers: SavedResult, Sendable {
    var fingerprint: String
    /// "base" or the adapter → whether each general-knowledge question was answered right.
    var right: [String: [Bool]]
}
