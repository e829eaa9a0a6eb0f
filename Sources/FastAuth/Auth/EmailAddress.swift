/// Email syntax checks and normalisation (lower case, trimmed).
enum EmailAddress {
    /// The normalised address, or the reason it is not one (the Python original's wording).
    static func normalise(_ raw: String) -> Result<String, AuthError> {
        let email = raw.trimmingWhitespace().lowercased()
        func invalid(_ reason: String) -> Result<String, AuthError> {
            .failure(AuthError(.validation, "value is not a valid email address: \(reason)", field: "email"))
        }
        guard email.utf8.count <= 254 else { return invalid("The email address is too long.") }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return invalid(parts.count < 2 ? "An email address must have an @-sign." : "The email address has more than one @-sign.")
        }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty else { return invalid("There must be something before the @-sign.") }
        guard !domain.isEmpty else { return invalid("There must be something after the @-sign.") }
        guard local.utf8.count <= 64 else { return invalid("The part before the @-sign is too long.") }
        let forbidden: Set<Character> = [" ", "\t", "\n", "\r", "\0", "(", ")", ",", ":", ";", "<", ">", "[", "]", "\\", "\""]
        guard !email.contains(where: { forbidden.contains($0) || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true })
        else { return invalid("The email address contains invalid characters.") }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else {
            return invalid("The part after the @-sign is not valid. It should have a period.")
        }
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            return invalid("The part before the @-sign is not valid.")
        }
        return .success(email)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
