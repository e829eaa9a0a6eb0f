/// The claims FastAuth gives typed fields, declared once. The table drives parsing
/// (``TokenClaims/parse(_:)``), writing (``TokenClaims/write(to:)``, in the table's order), the
/// JSON view (``TokenClaims/jsonObject``) and the reserved-claim check a `modifyJWT` hook is
/// held to (``TokenClaims/reservedNames``, ``TokenClaims/hasSameReservedClaims(as:)``).
///
/// A new typed claim is one entry here (and its field on ``TokenClaims``).
package enum ClaimTable {
    package static let claims: [Claim] = [
        .required("sub", StringCodec.self, { $0.subject }, { $0.subject = $1 }, checked: 1),
        .optional("jti", .registered, StringCodec.self, { $0.tokenID }, { $0.tokenID = $1 }),
        .optional("sid", .registered, StringCodec.self, { $0.sessionID }, { $0.sessionID = $1 }),
        .required("type", TokenTypeCodec.self, { $0.type }, { $0.type = $1 }, checked: 2),
        .optional("iat", .registered, NumericDateCodec.self, { $0.issuedAt }, { $0.issuedAt = $1 }),
        .required(
            "exp", NumericDateCodec.self, { $0.expiresAt }, { $0.expiresAt = $1 }, checked: 0,
            missing: .missingExpiration),
        .optional("nbf", .registered, NumericDateCodec.self, { $0.notBefore }, { $0.notBefore = $1 }),
        .optional("iss", .registered, StringCodec.self, { $0.issuer }, { $0.issuer = $1 }),
        .optional("aud", .registered, AudienceCodec.self, { $0.audience }, { $0.audience = $1 }),
        .optional("email", .profile, NullableStringCodec.self, { $0.email }, { $0.email = $1 }),
        // `name` goes with `email`: written (as null when unset) exactly when an email is.
        .optional(
            "name", .profile, NullableStringCodec.self, { $0.name }, { $0.name = $1 },
            writtenWhen: { $0.email != nil }),
        .optional(
            "email_verified", .profile, NullableBoolCodec.self, { $0.emailVerified }, { $0.emailVerified = $1 }),
    ]

    /// The member names, matched as bytes while parsing; an index here is an index in ``claims``.
    package static let names = KeyNames(claims.map(\.name))

    /// The registered claims: a hook may never set or change them.
    package static let reserved: [Claim] = claims.filter { $0.role == .registered }

    package static let reservedNames: Set<String> = Set(reserved.map(\.name))
    package static let profileNames: Set<String> = Set(claims.filter { $0.role == .profile }.map(\.name))

    /// The required claims in the order their absence is reported, with the error for each.
    package static let required: [(index: Int, error: TokenError)] = claims.indices
        .compactMap { index in claims[index].missing.map { (index, $0.order, $0.error) } }
        .sorted { $0.1 < $1.1 }
        .map { ($0.0, $0.2) }
}

/// One typed claim: its name, whether a hook may touch it, how it is read, written and viewed.
package struct Claim: Sendable {
    package enum Role: Sendable { case registered, profile }

    package let name: String
    package let role: Role
    /// For a required claim: the error when it is absent, and where it comes in the checks.
    package let missing: (order: Int, error: TokenError)?
    /// Parses the value (the scanner stands on it) into the claims.
    package let parse: @Sendable (inout JSONScanner, inout TokenClaims) throws(JSONParseError) -> Void
    /// Writes `,"name":value` (no comma when `first`) when the claims carry it.
    package let write: @Sendable (TokenClaims, inout JSONWriter, inout Bool) -> Void
    /// The claim's JSON value, `nil` when the claims do not carry it.
    package let value: @Sendable (TokenClaims) -> JSONValue?
    /// `true` when both claim sets hold the same value.
    package let equal: @Sendable (TokenClaims, TokenClaims) -> Bool

    /// A claim every token has (a registered claim).
    static func required<C: ClaimCodec>(
        _ name: String, _ codec: C.Type, _ get: @escaping @Sendable (TokenClaims) -> C.Value,
        _ set: @escaping @Sendable (inout TokenClaims, C.Value) -> Void, checked order: Int,
        missing: TokenError.Code = .invalidClaims
    ) -> Claim {
        let member = Self.member(name)
        return Claim(
            name: name, role: .registered,
            missing: (order, TokenError(missing, "the token has no \(name) claim")),
            parse: { (scanner: inout JSONScanner, claims: inout TokenClaims) throws(JSONParseError) in
                guard let value = try C.parse(&scanner) else {
                    throw JSONParseError(reason: "\(name) may not be null", offset: 0)
                }
                set(&claims, value)
            },
            write: { claims, json, first in
                json.raw(first ? member.first : member.next)
                first = false
                C.write(get(claims), to: &json)
            },
            value: { C.json(get($0)) },
            equal: { get($0) == get($1) })
    }

    /// A claim a token may carry. With `writtenWhen`, it is written (as `null` when unset)
    /// exactly when that holds.
    static func optional<C: ClaimCodec>(
        _ name: String, _ role: Role, _ codec: C.Type, _ get: @escaping @Sendable (TokenClaims) -> C.Value?,
        _ set: @escaping @Sendable (inout TokenClaims, C.Value?) -> Void,
        writtenWhen: (@Sendable (TokenClaims) -> Bool)? = nil
    ) -> Claim {
        let member = Self.member(name)
        return Claim(
            name: name, role: role, missing: nil,
            parse: { (scanner: inout JSONScanner, claims: inout TokenClaims) throws(JSONParseError) in
                set(&claims, try C.parse(&scanner))
            },
            write: { claims, json, first in
                let value = get(claims)
                if let writtenWhen {
                    guard writtenWhen(claims) else { return }
                } else if value == nil {
                    return
                }
                json.raw(first ? member.first : member.next)
                first = false
                if let value { C.write(value, to: &json) } else { json.raw("null") }
            },
            value: { claims in
                if let writtenWhen {
                    guard writtenWhen(claims) else { return nil }
                    return get(claims).map(C.json) ?? .null
                }
                return get(claims).map(C.json)
            },
            equal: { get($0) == get($1) })
    }

    /// `"name":` and `,"name":`, encoded once.
    private static func member(_ name: String) -> (first: [UInt8], next: [UInt8]) {
        var json = JSONWriter(capacity: name.utf8.count + 4)
        json.string(name)
        json.byte(UInt8(ascii: ":"))
        return (json.bytes, [UInt8(ascii: ",")] + json.bytes)
    }
}

/// How one claim's value is read from and written to JSON.
package protocol ClaimCodec: SendableMetatype {
    associatedtype Value: Equatable & Sendable
    /// Parses the value; `nil` for a JSON `null` where the claim allows it.
    static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> Value?
    static func write(_ value: Value, to json: inout JSONWriter)
    static func json(_ value: Value) -> JSONValue
}

/// A JSON string.
package enum StringCodec: ClaimCodec {
    package static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> String? {
        try scanner.parseString()
    }
    package static func write(_ value: String, to json: inout JSONWriter) { json.string(value) }
    package static func json(_ value: String) -> JSONValue { .string(value) }
}

/// A JSON string or `null`.
package enum NullableStringCodec: ClaimCodec {
    package static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> String? {
        scanner.consumeNull() ? nil : try scanner.parseString()
    }
    package static func write(_ value: String, to json: inout JSONWriter) { json.string(value) }
    package static func json(_ value: String) -> JSONValue { .string(value) }
}

/// A JSON boolean or `null`.
package enum NullableBoolCodec: ClaimCodec {
    package static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> Bool? {
        scanner.consumeNull() ? nil : try scanner.parseBool()
    }
    package static func write(_ value: Bool, to json: inout JSONWriter) {
        value ? json.raw("true") : json.raw("false")
    }
    package static func json(_ value: Bool) -> JSONValue { .bool(value) }
}

/// The token type, a JSON string.
package enum TokenTypeCodec: ClaimCodec {
    package static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> TokenType? {
        TokenType(rawValue: try scanner.parseString())
    }
    package static func write(_ value: TokenType, to json: inout JSONWriter) { json.string(value.rawValue) }
    package static func json(_ value: TokenType) -> JSONValue { .string(value.rawValue) }
}

/// A NumericDate (RFC 7519 §2): a JSON number of seconds; fractions are rounded down.
package enum NumericDateCodec: ClaimCodec {
    package static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> Int64? {
        switch try scanner.parseNumber() {
        case .int(let value): return value
        case .double(let value) where value.isFinite && abs(value) < 9e15: return Int64(value.rounded(.down))
        default: throw JSONParseError(reason: "a date claim is out of range", offset: 0)
        }
    }
    package static func write(_ value: Int64, to json: inout JSONWriter) { json.int(value) }
    package static func json(_ value: Int64) -> JSONValue { .int(value) }
}

/// `aud`: a string or a list of strings when read, always a list when written.
package enum AudienceCodec: ClaimCodec {
    package static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> [String]? {
        switch scanner.nextByte() {
        case UInt8(ascii: "\""): return [try scanner.parseString()]
        case UInt8(ascii: "["):
            guard let audience = try scanner.parseStringArray(depth: 1) else {
                throw JSONParseError(reason: "aud must hold strings", offset: 0)
            }
            return audience
        default:
            _ = try scanner.parseValue(depth: 1)
            throw JSONParseError(reason: "aud must be a string or a list", offset: 0)
        }
    }
    package static func write(_ value: [String], to json: inout JSONWriter) {
        json.byte(UInt8(ascii: "["))
        for (index, element) in value.enumerated() {
            if index > 0 { json.byte(UInt8(ascii: ",")) }
            json.string(element)
        }
        json.byte(UInt8(ascii: "]"))
    }
    package static func json(_ value: [String]) -> JSONValue { .array(value.map { .string($0) }) }
}
