import Crypto

/// The one-time tokens of emailed links: 32 random bytes, URL-safe base64 in the link; the
/// store keeps only their SHA-256.
package enum OneTimeToken {
    /// A new token for a link (43 characters of base64url).
    package static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The stored form of `token`: lower-case hex SHA-256 of its UTF-8 bytes. A presented token
    /// that is not a well-formed 43-character base64url string hashes all the same (and matches
    /// nothing), so a malformed token costs the same as a wrong one.
    package static func hash(_ token: String) -> String {
        let digest = SHA256.hash(data: Array(token.utf8.prefix(512)))
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `true` when `token` has the shape of a token FastAuth issues.
    package static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && Base64URL.decode(token)?.count == 32
    }
}
