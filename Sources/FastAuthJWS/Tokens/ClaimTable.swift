/// The claims FastAuth gives typed fields, declared once. The table drives parsing
/// (``TokenClaims/parse(_:)``), writing (``TokenClaims/write(to:)``, in the table's order), the
/// JSON view (``TokenClaims/jsonObject``) and the reserved-claim check a `modifyJWT` hook is
/// held to (``TokenClaims/reservedNames``, ``TokenClaims/hasSameReservedClaims(as:)``).
///
/// A new typed claim is one entry here (and its field on ``TokenClaims``); a claim of a JSON
/// shape no entry has yet is also a case of ``Claim/Field``.
package enum ClaimTable {
    package static let claims: [Claim] = [
        Claim("sub", .registered, .requiredString({ $0.subject }, { $0.subject = $1 }), missing: (1, .invalidClaims)),
        Claim("jti", .registered, .string({ $0.tokenID }, { $0.tokenID = $1 })),
        Claim("sid", .registered, .string({ $0.sessionID }, { $0.sessionID = $1 })),
        Claim("type", .registered, .requiredType({ $0.type }, { $0.type = $1 }), missing: (2, .invalidClaims)),
        Claim("iat", .registered, .date({ $0.issuedAt }, { $0.issuedAt = $1 })),
        Claim(
            "exp", .registered, .requiredDate({ $0.expiresAt }, { $0.expiresAt = $1 }), missing: (0, .missingExpiration)
        ),
        Claim("nbf", .registered, .date({ $0.notBefore }, { $0.notBefore = $1 })),
        Claim("iss", .registered, .string({ $0.issuer }, { $0.issuer = $1 })),
        Claim("aud", .registered, .audience({ $0.audience }, { $0.audience = $1 })),
        Claim("email", .profile, .nullableString({ $0.email }, { $0.email = $1 })),
        // `name` goes with `email`: written (as null when unset) exactly when an email is.
        Claim("name", .profile, .nullableString({ $0.name }, { $0.name = $1 }), writtenWhen: { $0.email != nil }),
        Claim("email_verified", .profile, .nullableBool({ $0.emailVerified }, { $0.emailVerified = $1 })),
    ]

    /// The member names, matched as bytes while parsing; an index here is an index in ``claims``.
    package static let names = KeyNames(claims.map(\.name))

    /// The registered claims: a hook may never set or change them.
    package static let reserved: [Claim] = claims.filter { $0.role == .registered }

    package static let reservedNames: Set<String> = Set(reserved.map(\.name))
    package static let profileNames: Set<String> = Set(claims.filter { $0.role == .profile }.map(\.name))

    /// The required claims in the order their absence is reported, with the error for each.
    package static let requiredInCheckOrder: [(index: Int, error: TokenError)] = claims.indices
        .compactMap { index in claims[index].missing.map { (index, $0.order, $0.error) } }
        .sorted { $0.1 < $1.1 }
        .map { ($0.0, $0.2) }

    /// One bit per required claim, by index in ``claims``.
    package static let requiredMask: UInt64 = requiredInCheckOrder.reduce(0) { $0 | 1 << UInt64($1.index) }
}

/// One typed claim: its name, whether a hook may touch it, its field on ``TokenClaims`` and the
/// JSON shape of its value.
///
/// The accessors in the table capture nothing, and an entry is one object: reading it on the
/// token hot path costs one reference count, and parsing or writing a value is a `switch`
/// over the shape with the codec inlined.
package final class Claim: Sendable {
    package enum Role: Sendable { case registered, profile }

    /// The field a claim is read into and written from, by the JSON shape of its value.
    package enum Field: Sendable {
        /// A string every token has.
        case requiredString(@Sendable (TokenClaims) -> String, @Sendable (inout TokenClaims, String) -> Void)
        /// A string.
        case string(@Sendable (TokenClaims) -> String?, @Sendable (inout TokenClaims, String?) -> Void)
        /// A string or `null`.
        case nullableString(@Sendable (TokenClaims) -> String?, @Sendable (inout TokenClaims, String?) -> Void)
        /// The token type, a string every token has.
        case requiredType(@Sendable (TokenClaims) -> TokenType, @Sendable (inout TokenClaims, TokenType) -> Void)
        /// A NumericDate every token has.
        case requiredDate(@Sendable (TokenClaims) -> Int64, @Sendable (inout TokenClaims, Int64) -> Void)
        /// A NumericDate.
        case date(@Sendable (TokenClaims) -> Int64?, @Sendable (inout TokenClaims, Int64?) -> Void)
        /// `aud`: a string or a list of strings when read, always a list when written.
        case audience(@Sendable (TokenClaims) -> [String]?, @Sendable (inout TokenClaims, [String]?) -> Void)
        /// A boolean or `null`.
        case nullableBool(@Sendable (TokenClaims) -> Bool?, @Sendable (inout TokenClaims, Bool?) -> Void)
    }

    package let name: String
    package let role: Role
    package let field: Field
    /// For a required claim: the error when it is absent, and where it comes in the checks.
    package let missing: (order: Int, error: TokenError)?
    /// When set, the claim is written (as `null` when unset) exactly when this holds.
    private let writtenWhen: (@Sendable (TokenClaims) -> Bool)?
    private let memberFirst: [UInt8]
    private let memberNext: [UInt8]

    init(
        _ name: String, _ role: Role, _ field: Field, missing: (order: Int, code: TokenError.Code)? = nil,
        writtenWhen: (@Sendable (TokenClaims) -> Bool)? = nil
    ) {
        self.name = name
        self.role = role
        self.field = field
        self.missing = missing.map { ($0.order, TokenError($0.code, "the token has no \(name) claim")) }
        self.writtenWhen = writtenWhen
        var json = JSONWriter(capacity: name.utf8.count + 4)
        json.string(name)
        json.byte(UInt8(ascii: ":"))
        memberFirst = json.bytes
        memberNext = [UInt8(ascii: ",")] + json.bytes
    }

    /// Parses the value (the scanner stands on it) into `claims`.
    @inline(__always)
    package func parse(_ scanner: inout JSONScanner, into claims: inout TokenClaims) throws(JSONParseError) {
        switch field {
        case .requiredString(_, let set): set(&claims, try scanner.parseString())
        case .string(_, let set): set(&claims, try scanner.parseString())
        case .nullableString(_, let set): set(&claims, scanner.consumeNull() ? nil : try scanner.parseString())
        case .requiredType(_, let set): set(&claims, TokenType(rawValue: try scanner.parseString()))
        case .requiredDate(_, let set): set(&claims, try NumericDateCodec.parse(&scanner) ?? 0)
        case .date(_, let set): set(&claims, try NumericDateCodec.parse(&scanner))
        case .audience(_, let set): set(&claims, try AudienceCodec.parse(&scanner))
        case .nullableBool(_, let set): set(&claims, scanner.consumeNull() ? nil : try scanner.parseBool())
        }
    }

    /// Writes `,"name":value` (no comma when `first`) when `claims` carry it.
    @inline(__always)
    package func write(_ claims: TokenClaims, to json: inout JSONWriter, first: inout Bool) {
        switch field {
        case .requiredString(let get, _):
            member(&json, &first)
            json.string(get(claims))
        case .string(let get, _), .nullableString(let get, _):
            if let value = get(claims) {
                guard writtenWhen?(claims) ?? true else { return }
                member(&json, &first)
                json.string(value)
            } else {
                writeNull(claims, &json, &first)
            }
        case .requiredType(let get, _):
            member(&json, &first)
            json.string(get(claims).rawValue)
        case .requiredDate(let get, _):
            member(&json, &first)
            json.int(get(claims))
        case .date(let get, _):
            if let value = get(claims) {
                member(&json, &first)
                json.int(value)
            } else {
                writeNull(claims, &json, &first)
            }
        case .audience(let get, _):
            if let value = get(claims) {
                member(&json, &first)
                AudienceCodec.write(value, to: &json)
            } else {
                writeNull(claims, &json, &first)
            }
        case .nullableBool(let get, _):
            if let value = get(claims) {
                member(&json, &first)
                value ? json.raw("true") : json.raw("false")
            } else {
                writeNull(claims, &json, &first)
            }
        }
    }

    @inline(__always)
    private func member(_ json: inout JSONWriter, _ first: inout Bool) {
        json.raw(first ? memberFirst : memberNext)
        first = false
    }

    /// An unset claim is written only when it goes with another that is set (`name` with `email`).
    private func writeNull(_ claims: TokenClaims, _ json: inout JSONWriter, _ first: inout Bool) {
        guard let writtenWhen, writtenWhen(claims) else { return }
        member(&json, &first)
        json.raw("null")
    }

    /// The claim's JSON value, `nil` when `claims` do not carry it.
    package func value(in claims: TokenClaims) -> JSONValue? {
        let value: JSONValue?
        switch field {
        case .requiredString(let get, _): value = .string(get(claims))
        case .string(let get, _), .nullableString(let get, _): value = get(claims).map { .string($0) }
        case .requiredType(let get, _): value = .string(get(claims).rawValue)
        case .requiredDate(let get, _): value = .int(get(claims))
        case .date(let get, _): value = get(claims).map { .int($0) }
        case .audience(let get, _): value = get(claims).map(AudienceCodec.json)
        case .nullableBool(let get, _): value = get(claims).map { .bool($0) }
        }
        guard let writtenWhen else { return value }
        return writtenWhen(claims) ? value ?? .null : nil
    }

    /// `true` when both claim sets hold the same value.
    package func isEqual(in a: TokenClaims, and b: TokenClaims) -> Bool {
        switch field {
        case .requiredString(let get, _): get(a) == get(b)
        case .string(let get, _), .nullableString(let get, _): get(a) == get(b)
        case .requiredType(let get, _): get(a) == get(b)
        case .requiredDate(let get, _): get(a) == get(b)
        case .date(let get, _): get(a) == get(b)
        case .audience(let get, _): get(a) == get(b)
        case .nullableBool(let get, _): get(a) == get(b)
        }
    }
}

/// A NumericDate (RFC 7519 §2): a JSON number of seconds; fractions are rounded down.
enum NumericDateCodec {
    static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> Int64? {
        switch try scanner.parseNumber() {
        case .int(let value): return value
        case .double(let value) where value.isFinite && abs(value) < 9e15: return Int64(value.rounded(.down))
        default: throw JSONParseError(reason: "a date claim is out of range", offset: 0)
        }
    }
    static func write(_ value: Int64, to json: inout JSONWriter) { json.int(value) }
    static func json(_ value: Int64) -> JSONValue { .int(value) }
}

/// `aud`: a string or a list of strings when read, always a list when written.
enum AudienceCodec {
    static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> [String]? {
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
    static func write(_ value: [String], to json: inout JSONWriter) {
        json.byte(UInt8(ascii: "["))
        for (index, element) in value.enumerated() {
            if index > 0 { json.byte(UInt8(ascii: ",")) }
            json.string(element)
        }
        json.byte(UInt8(ascii: "]"))
    }
    static func json(_ value: [String]) -> JSONValue { .array(value.map { .string($0) }) }
}
