/// The JOSE header of a token, as far as verification reads it.
public struct TokenHeader: Sendable, Hashable {
    /// `alg`.
    public var algorithm: String
    /// `kid`.
    public var keyID: KeyID?
    /// `typ`.
    public var type: String?
    /// Every header member, including the ones verification ignores (`jku`, `jwk`, `x5u`, `x5c`).
    public var members: [String: JSONValue]

    /// Parses and checks a header: a JSON object with a string `alg` that is not `none`, and no
    /// `crit` (FastAuth understands no critical extensions).
    package static func parse(_ bytes: Span<UInt8>) throws(TokenError) -> TokenHeader {
        let value: JSONValue
        do {
            var scanner = JSONScanner(bytes)
            value = try scanner.parseValue(depth: 0)
            try scanner.expectEnd()
        } catch {
            throw TokenError(.malformed, "the header is not valid JSON: \(error.reason)")
        }
        guard case .object(let members) = value else {
            throw TokenError(.malformed, "the header is not a JSON object")
        }
        guard case .string(let algorithm)? = members["alg"] else {
            throw TokenError(.algorithmNotAllowed, "the header has no alg")
        }
        guard algorithm.lowercased() != "none" else {
            throw TokenError(.algorithmNotAllowed, "unsigned tokens (alg none) are never accepted")
        }
        if members["crit"] != nil {
            throw TokenError(
                .unsupportedCriticalHeader, "the header lists critical extensions this verifier does not support")
        }
        var header = TokenHeader(algorithm: algorithm, keyID: nil, type: nil, members: members)
        switch members["kid"] {
        case nil: break
        case .string(let kid)?: header.keyID = KeyID(kid)
        default: throw TokenError(.malformed, "the header's kid is not a string")
        }
        switch members["typ"] {
        case nil: break
        case .string(let typ)?: header.type = typ
        default: throw TokenError(.malformed, "the header's typ is not a string")
        }
        return header
    }
}
