// Foundation, not FoundationEssentials: Unicode normalisation (NFC) is only in the former.
import Foundation

/// Email syntax checks and normalisation: trimmed, NFC, lower case — so one address typed
/// with a precomposed `é` and one with `e` + U+0301 are the same account.
enum EmailAddress {
    /// The normalised address, or the reason it is not one (the Python original's wording).
    /// Control characters (C0, C1) and invisible format characters (Unicode category Cf:
    /// bidi controls such as U+202E, zero-width characters such as U+200B) are refused: they
    /// make two addresses that look the same, or one that displays as another.
    static func normalise(_ raw: String) -> Result<String, AuthError> {
        func invalid(_ reason: String) -> Result<String, AuthError> {
            .failure(AuthError(.validation, "value is not a valid email address: \(reason)", field: "email"))
        }
        let trimmed = raw.trimmingWhitespace()
        guard trimmed.utf8.count <= 1024 else { return invalid("The email address is too long.") }
        guard !trimmed.unicodeScalars.contains(where: isInvisibleOrControl) else {
            return invalid("The email address contains invalid characters.")
        }
        let email = trimmed.precomposedStringWithCanonicalMapping.lowercased().precomposedStringWithCanonicalMapping
        guard email.utf8.count <= 254 else { return invalid("The email address is too long.") }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return invalid(
                parts.count < 2
                    ? "An email address must have an @-sign." : "The email address has more than one @-sign.")
        }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty else { return invalid("There must be something before the @-sign.") }
        guard !domain.isEmpty else { return invalid("There must be something after the @-sign.") }
        guard local.utf8.count <= 64 else { return invalid("The part before the @-sign is too long.") }
        let forbidden: Set<Character> = [
            " ", "\t", "\n", "\r", "\0", "(", ")", ",", ":", ";", "<", ">", "[", "]", "\\", "\"",
        ]
        guard
            !email.contains(where: { forbidden.contains($0) || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true })
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

/// `true` for C0 and C1 controls (Cc), format characters (Cf, which holds the bidi controls
/// and the zero-width characters), and line and paragraph separators.
private func isInvisibleOrControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .control, .format, .lineSeparator, .paragraphSeparator: true
    default: false
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
