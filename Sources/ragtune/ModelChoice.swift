import ArgumentParser

/// Which shipped model a command uses.
enum ModelChoice: String, ExpressibleByArgument, CaseIterable {
    case minilm, smollm2
}
