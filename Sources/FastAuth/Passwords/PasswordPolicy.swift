/// Rules a new password must meet. Default: 8 to 128 characters, no class rules.
public struct PasswordPolicy: Sendable, Hashable {
    public var minLength: Int
    public var maxLength: Int
    public var requireUppercase: Bool
    public var requireLowercase: Bool
    public var requireDigit: Bool
    public var requireSymbol: Bool

    public init(
        minLength: Int = 8, maxLength: Int = 128, requireUppercase: Bool = false, requireLowercase: Bool = false,
        requireDigit: Bool = false, requireSymbol: Bool = false
    ) {
        self.minLength = minLength
        self.maxLength = maxLength
        self.requireUppercase = requireUppercase
        self.requireLowercase = requireLowercase
        self.requireDigit = requireDigit
        self.requireSymbol = requireSymbol
    }

    /// The first rule `password` breaks, in the words the API answers with; `nil` if none.
    public func violation(in password: String) -> String? {
        let count = password.count
        if count < minLength { return "Password must be at least \(minLength) characters long" }
        if count > maxLength { return "Password must be at most \(maxLength) characters long" }
        if requireUppercase, !password.contains(where: \.isUppercase) {
            return "Password must contain at least one uppercase letter"
        }
        if requireLowercase, !password.contains(where: \.isLowercase) {
            return "Password must contain at least one lowercase letter"
        }
        if requireDigit, !password.contains(where: \.isNumber) { return "Password must contain at least one digit" }
        if requireSymbol, !password.contains(where: { !$0.isLetter && !$0.isNumber && !$0.isWhitespace }) {
            return "Password must contain at least one symbol"
        }
        return nil
    }

    /// Problems with the policy itself, for configuration validation.
    var problems: [String] {
        var problems: [String] = []
        if minLength < 1 { problems.append("password minLength must be at least 1") }
        if maxLength < minLength { problems.append("password maxLength must not be below minLength") }
        if maxLength > 4096 {
            problems.append("password maxLength must be at most 4096 (longer inputs only cost hashing time)")
        }
        return problems
    }
}
