import Crypto

/// Signed double-submit CSRF tokens (cookie delivery): `nonce.mac`, where mac =
/// HMAC-SHA256(key derived from the secret, nonce), truncated to 16 bytes. The header and the
/// cookie must be equal and the cookie's mac must verify; anything else is refused, never
/// trapped on.
package struct CSRFTokens: Sendable {
    private let key: SymmetricKey

    package init(secret: String) {
        key = SecretDerivation.csrfKey(secret: Array(secret.utf8))
    }

    /// A fresh token for the CSRF cookie.
    package func make() -> String {
        var random = SystemRandomNumberGenerator()
        let nonce = (0..<18).map { _ in UInt8.random(in: 0...255, using: &random) }
        return Base64URL.encode(nonce) + "." + Base64URL.encode(mac(nonce))
    }

    /// `true` when the header repeats the cookie and the cookie is a token this secret made.
    package func isValid(header: String, cookie: String) -> Bool {
        guard !cookie.isEmpty, ConstantTime.equal(header.utf8, cookie.utf8) else { return false }
        let parts = cookie.split(separator: ".")
        guard parts.count == 2, let nonce = Base64URL.decode(String(parts[0])),
            let given = Base64URL.decode(String(parts[1]))
        else { return false }
        return ConstantTime.equal(given, mac(nonce))
    }

    private func mac(_ nonce: [UInt8]) -> [UInt8] {
        Array(Array(HMAC<SHA256>.authenticationCode(for: nonce, using: key)).prefix(16))
    }
}
