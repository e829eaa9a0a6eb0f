/// The claims of a FastAuth token: the registered claims as typed fields, the profile claims
/// of access tokens, and any custom claims a `modifyJWT` hook adds.
public struct TokenClaims: Sendable, Hashable {
    /// `sub`: the user id.
    public var subject: String
    /// `jti`: the token id.
    public var tokenID: String?
    /// `sid`: the session the token belongs to.
    public var sessionID: String?
    /// `type`: `access` or `refresh`.
    public var type: TokenType
    /// `iat`, seconds since 1970.
    public var issuedAt: Int64?
    /// `exp`, seconds since 1970.
    public var expiresAt: Int64
    /// `nbf`, seconds since 1970.
    public var notBefore: Int64?
    /// `iss`.
    public var issuer: String?
    /// `aud`, always a list on the wire.
    public var audience: [String]?
    /// `email` (access tokens).
    public var email: String?
    /// `name` (access tokens).
    public var name: String?
    /// `email_verified` (access tokens).
    public var emailVerified: Bool?
    /// Every other claim.
    public var custom: [String: JSONValue]

    /// Claims a hook may never set or change.
    public static let reservedNames: Set<String> = ["sub", "jti", "sid", "type", "iat", "exp", "nbf", "iss", "aud"]
    /// Claims with typed fields; a hook changes them through the fields, not through ``custom``.
    public static let profileNames: Set<String> = ["email", "name", "email_verified"]

    /// Creates a claim set.
    public init(
        subject: String, tokenID: String? = nil, sessionID: String? = nil, type: TokenType, issuedAt: Int64? = nil,
        expiresAt: Int64, notBefore: Int64? = nil, issuer: String? = nil, audience: [String]? = nil,
        email: String? = nil, name: String? = nil, emailVerified: Bool? = nil, custom: [String: JSONValue] = [:]
    ) {
        self.subject = subject
        self.tokenID = tokenID
        self.sessionID = sessionID
        self.type = type
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.issuer = issuer
        self.audience = audience
        self.email = email
        self.name = name
        self.emailVerified = emailVerified
        self.custom = custom
    }

    /// A custom claim, by name.
    public subscript(custom name: String) -> JSONValue? {
        get { custom[name] }
        set { custom[name] = newValue }
    }

    /// `true` when the registered claims (``reservedNames``) of both sets are equal.
    package func hasSameReservedClaims(as other: TokenClaims) -> Bool {
        subject == other.subject && tokenID == other.tokenID && sessionID == other.sessionID && type == other.type
            && issuedAt == other.issuedAt && expiresAt == other.expiresAt && notBefore == other.notBefore
            && issuer == other.issuer && audience == other.audience
    }

    /// Every claim as one JSON object.
    public var jsonObject: [String: JSONValue] {
        var object = custom
        object["sub"] = .string(subject)
        if let tokenID { object["jti"] = .string(tokenID) }
        if let sessionID { object["sid"] = .string(sessionID) }
        object["type"] = .string(type.rawValue)
        if let issuedAt { object["iat"] = .int(issuedAt) }
        object["exp"] = .int(expiresAt)
        if let notBefore { object["nbf"] = .int(notBefore) }
        if let issuer { object["iss"] = .string(issuer) }
        if let audience { object["aud"] = .array(audience.map { .string($0) }) }
        if let email {
            object["email"] = .string(email)
            object["name"] = name.map { .string($0) } ?? .null
        }
        if let emailVerified { object["email_verified"] = .bool(emailVerified) }
        return object
    }
}

// MARK: - Wire format

extension TokenClaims {
    /// Writes the claims as compact JSON in a fixed order (registered claims, profile, then
    /// custom claims sorted by name).
    package func write(to json: inout JSONWriter) {
        json.raw("{\"sub\":")
        json.string(subject)
        if let tokenID {
            json.raw(",\"jti\":")
            json.string(tokenID)
        }
        if let sessionID {
            json.raw(",\"sid\":")
            json.string(sessionID)
        }
        json.raw(",\"type\":")
        json.string(type.rawValue)
        if let issuedAt {
            json.raw(",\"iat\":")
            json.int(issuedAt)
        }
        json.raw(",\"exp\":")
        json.int(expiresAt)
        if let notBefore {
            json.raw(",\"nbf\":")
            json.int(notBefore)
        }
        if let issuer {
            json.raw(",\"iss\":")
            json.string(issuer)
        }
        if let audience {
            json.raw(",\"aud\":[")
            for (index, value) in audience.enumerated() {
                if index > 0 { json.byte(UInt8(ascii: ",")) }
                json.string(value)
            }
            json.byte(UInt8(ascii: "]"))
        }
        if let email {
            json.raw(",\"email\":")
            json.string(email)
            json.raw(",\"name\":")
            if let name { json.string(name) } else { json.raw("null") }
        }
        if let emailVerified {
            json.raw(",\"email_verified\":")
            emailVerified ? json.raw("true") : json.raw("false")
        }
        if !custom.isEmpty {
            for key in custom.keys.sorted() {
                json.byte(UInt8(ascii: ","))
                json.string(key)
                json.byte(UInt8(ascii: ":"))
                if let value = custom[key] { json.write(value) }
            }
        }
        json.byte(UInt8(ascii: "}"))
    }

    /// Parses a claims object strictly. Registered claims must have their JSON types; `exp`,
    /// `sub` and `type` are required.
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(TokenError) -> TokenClaims {
        var scanner = JSONScanner(bytes)
        var subject: String?
        var type: String?
        var expiresAt: Int64?
        var claims = TokenClaims(subject: "", type: .access, expiresAt: 0)
        // Names are matched as bytes against `memberNames` (no string comparisons); duplicate
        // detection needs no set of strings: one bit per registered or profile claim, the custom
        // dictionary for the rest.
        var seen: UInt16 = 0
        do throws(JSONParseError) {
            if try scanner.openObject(depth: 0) {
                repeat {
                    let (index, name) = try scanner.memberKey(matching: Self.memberNames)
                    let key = name.string ?? ""  // only read for custom claims (index < 0)
                    if index >= 0 {
                        let bit: UInt16 = 1 << UInt16(index)
                        guard seen & bit == 0 else { throw scanner.duplicateMember(name) }
                        seen |= bit
                    } else if claims.custom[key] != nil {
                        throw scanner.duplicateMember(name)
                    }
                    try scanner.memberColon()
                    switch index {
                    case 0: subject = try scanner.parseString()
                    case 1: claims.tokenID = try scanner.parseString()
                    case 2: claims.sessionID = try scanner.parseString()
                    case 3: type = try scanner.parseString()
                    case 4: claims.issuedAt = try Self.numericDate(&scanner)
                    case 5: expiresAt = try Self.numericDate(&scanner)
                    case 6: claims.notBefore = try Self.numericDate(&scanner)
                    case 7: claims.issuer = try scanner.parseString()
                    case 8:
                        switch scanner.nextByte() {
                        case UInt8(ascii: "\""): claims.audience = [try scanner.parseString()]
                        case UInt8(ascii: "["):
                            guard let audience = try scanner.parseStringArray(depth: 1) else {
                                throw JSONParseError(reason: "aud must hold strings", offset: 0)
                            }
                            claims.audience = audience
                        default:
                            _ = try scanner.parseValue(depth: 1)
                            throw JSONParseError(reason: "aud must be a string or a list", offset: 0)
                        }
                    case 9: claims.email = scanner.consumeNull() ? nil : try scanner.parseString()
                    case 10: claims.name = scanner.consumeNull() ? nil : try scanner.parseString()
                    case 11: claims.emailVerified = scanner.consumeNull() ? nil : try scanner.parseBool()
                    default: claims.custom[key] = try scanner.parseValue(depth: 1)
                    }
                } while try scanner.nextMember()
            }
            try scanner.expectEnd()
        } catch {
            throw TokenError(.invalidClaims, "the claims are not a valid JSON object: \(error.reason)")
        }
        guard let expiresAt else { throw TokenError(.missingExpiration, "the token has no exp claim") }
        guard let subject else { throw TokenError(.invalidClaims, "the token has no sub claim") }
        guard let type else { throw TokenError(.invalidClaims, "the token has no type claim") }
        claims.subject = subject
        claims.type = TokenType(rawValue: type)
        claims.expiresAt = expiresAt
        return claims
    }

    /// The registered and profile claims ``parse(_:)`` reads into typed fields, by index.
    private static let memberNames = KeyNames([
        "sub", "jti", "sid", "type", "iat", "exp", "nbf", "iss", "aud", "email", "name", "email_verified",
    ])

    /// A NumericDate (RFC 7519 §2): a JSON number of seconds; fractions are rounded down.
    private static func numericDate(_ scanner: inout JSONScanner) throws(JSONParseError) -> Int64 {
        switch try scanner.parseNumber() {
        case .int(let value): return value
        case .double(let value) where value.isFinite && abs(value) < 9e15: return Int64(value.rounded(.down))
        default: throw JSONParseError(reason: "a date claim is out of range", offset: 0)
        }
    }
}
