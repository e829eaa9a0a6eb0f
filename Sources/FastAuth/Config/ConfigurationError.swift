/// Every problem found in a configuration, reported at once, in plain words.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One sentence per problem.
    public let problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String {
        "invalid FastAuth configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
