/// Generates secrets for `FASTAUTH_SECRET`.
public enum SecretGenerator {
    /// The fewest bytes a generated secret may have.
    public static let minimumBytes = 32

    /// `byteCount` bytes from the system CSPRNG, as URL-safe base64 without padding.
    public static func generate(byteCount: Int = 64) throws(ConfigurationError) -> String {
        guard byteCount >= minimumBytes else {
            throw ConfigurationError(problems: [
                "a secret needs at least \(minimumBytes) random bytes, not \(byteCount)"
            ])
        }
        guard byteCount <= 4096 else {
            throw ConfigurationError(problems: [
                "a secret of more than 4096 bytes is pointless (asked for \(byteCount))"
            ])
        }
        var random = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &random) })
    }
}
