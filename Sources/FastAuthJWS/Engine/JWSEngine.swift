/// What verifying a compact JWS yields: its header, its payload and the key that verified it.
package struct VerifiedJWS: Sendable, Hashable {
    package let header: TokenHeader
    package let payload: [UInt8]
    package let keyID: KeyID

    package init(header: TokenHeader, payload: [UInt8], keyID: KeyID) {
        self.header = header
        self.payload = payload
        self.keyID = keyID
    }
}

/// One way to sign and verify compact JWS. FastAuth signs and verifies with ``FastJWSEngine``;
/// the tests hold it to a reference engine built on jwt-kit behind the same protocol: both must
/// accept each other's tokens and agree on every vector and on random and tampered tokens.
package protocol JWSEngine: Sendable {
    /// A short name for test output.
    var name: String { get }
    /// Signs `payload` with the key whose id is `keyID`.
    func sign(payload: [UInt8], keyID: KeyID) async throws -> String
    /// Verifies `token` (shape, header, key selection by `kid`, the algorithm pinned to the key,
    /// the signature) and returns what it carries.
    func verify(_ token: String, allowedAlgorithms: Set<SigningAlgorithm>?) async throws -> VerifiedJWS
}

/// FastAuth's own engine: the one entry to sign and the one entry to verify, over ``JWSKeys``.
package struct FastJWSEngine: JWSEngine {
    package let keys: JWSKeys
    package let maxTokenBytes: Int
    package var name: String { "FastAuthJWS" }

    package init(keys: JWSKeys, maxTokenBytes: Int = 8192) {
        self.keys = keys
        self.maxTokenBytes = maxTokenBytes
    }

    package func sign(payload: [UInt8], keyID: KeyID) throws(TokenError) -> String {
        guard let key = keys.byID[keyID] ?? (keys.keyless?.id == keyID ? keys.keyless : nil) else {
            throw TokenError(.signingFailed, "no key has the id \(TokenError.printable(keyID.rawValue))")
        }
        return try Self.sign(payload: payload, with: key)
    }

    package func verify(_ token: String, allowedAlgorithms: Set<SigningAlgorithm>?) throws(TokenError) -> VerifiedJWS {
        var token = token
        token.makeContiguousUTF8()
        return try Self.verify(
            token.utf8.span, keys: keys, allowedAlgorithms: allowedAlgorithms, maxBytes: maxTokenBytes)
    }

    /// Signs `payload` with `key`.
    package static func sign(payload: [UInt8], with key: JWSKey) throws(TokenError) -> String {
        try CompactJWS.sign(payload: payload, with: key)
    }

    /// Signs `claims` with `key`, the claims written by the claim table.
    package static func sign(claims: TokenClaims, with key: JWSKey) throws(TokenError) -> String {
        var json = JSONWriter(capacity: 320)
        claims.write(to: &json)
        return try CompactJWS.sign(payload: json.bytes, with: key)
    }

    /// Verifies a compact JWS whose payload is opaque: structure, key, signature.
    package static func verify(
        _ token: Span<UInt8>, keys: JWSKeys, allowedAlgorithms: Set<SigningAlgorithm>?, maxBytes: Int
    ) throws(TokenError) -> VerifiedJWS {
        let jws = try CompactJWS.parse(token, maxBytes: maxBytes, knownKeys: keys)
        let key = try jws.selectKey(from: keys, allowedAlgorithms: allowedAlgorithms)
        try jws.verifySignature(of: token, with: key)
        return VerifiedJWS(header: jws.header, payload: jws.payload, keyID: key.id)
    }

    /// Verifies a token whose payload is a JWT claim set, refusing malformed input before any
    /// cryptography: shape, header (`alg` `none`, `crit`), key and algorithm, the claims' JSON,
    /// then the signature. The time-, issuer-, audience- and type-rules are the caller's.
    package static func verifyClaims(
        _ token: Span<UInt8>, keys: JWSKeys, allowedAlgorithms: Set<SigningAlgorithm>?, maxBytes: Int
    ) throws(TokenError) -> (header: TokenHeader, claims: TokenClaims, keyID: KeyID) {
        let jws = try CompactJWS.parse(token, maxBytes: maxBytes, knownKeys: keys)
        let key = try jws.selectKey(from: keys, allowedAlgorithms: allowedAlgorithms)
        let claims = try TokenClaims.parse(jws.payload.span)
        try jws.verifySignature(of: token, with: key)
        return (jws.header, claims, key.id)
    }
}
