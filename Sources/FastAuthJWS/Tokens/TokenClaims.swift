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

    /// Claims a hook may never set or change (the registered claims of ``ClaimTable``).
    public static let reservedNames: Set<String> = ClaimTable.reservedNames
    /// Claims with typed fields; a hook changes them through the fields, not through ``custom``.
    public static let profileNames: Set<String> = ClaimTable.profileNames

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
        // The common case, a hook that changed nothing (or only custom claims it left equal).
        if self == other { return true }
        var mine = self
        var theirs = other
        var clearer = ProfileClearer()
        mine.visitClaims(&clearer)
        theirs.visitClaims(&clearer)
        mine.custom = [:]
        theirs.custom = [:]
        return mine == theirs
    }

    /// Every claim as one JSON object.
    public var jsonObject: [String: JSONValue] {
        var builder = ClaimObjectBuilder(object: custom)
        var claims = self
        claims.visitClaims(&builder)
        return builder.object
    }
}

// MARK: - Wire format

extension TokenClaims {
    /// Writes the claims as compact JSON in a fixed order (the claim list's order, then custom
    /// claims sorted by name).
    package func write(to json: inout JSONWriter) {
        json.byte(UInt8(ascii: "{"))
        var writer = ClaimWriter(json: JSONWriter(capacity: 0))
        swap(&writer.json, &json)
        var claims = self
        claims.visitClaims(&writer)
        swap(&writer.json, &json)
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

    /// Parses a claims object strictly. Table claims must have their JSON types; the required
    /// ones (`exp`, `sub`, `type`) must be present.
    package static func parse(_ bytes: Span<UInt8>) throws(TokenError) -> TokenClaims {
        var scanner = JSONScanner(bytes)
        var claims = TokenClaims(subject: "", type: .access, expiresAt: 0)
        let kinds = ClaimTable.kinds
        let names = ClaimTable.names
        // Names are matched as bytes against the table (no string comparisons); duplicate
        // detection needs no set of strings: one bit per table claim, the custom dictionary for
        // the rest.
        var seen: UInt64 = 0
        do throws(JSONParseError) {
            if try scanner.openObject(depth: 0) {
                repeat {
                    let (index, name) = try scanner.memberKey(matching: names)
                    if index >= 0 {
                        let bit: UInt64 = 1 << UInt64(index)
                        guard seen & bit == 0 else { throw scanner.duplicateMember(name) }
                        seen |= bit
                        try scanner.memberColon()
                        let value: ClaimAssignment.Value
                        switch kinds[index] {
                        case .string, .optionalString, .type: value = .string(try scanner.parseString())
                        case .nullableString: value = .string(scanner.consumeNull() ? nil : try scanner.parseString())
                        case .date: value = .date(try NumericDateCodec.parse(&scanner))
                        case .audience: value = .audience(try AudienceCodec.parse(&scanner))
                        case .nullableBool: value = .bool(scanner.consumeNull() ? nil : try scanner.parseBool())
                        }
                        var assignment = ClaimAssignment(index: index, value: value)
                        claims.visitClaims(&assignment)
                    } else {
                        let key = name.string ?? ""
                        guard claims.custom[key] == nil else { throw scanner.duplicateMember(name) }
                        try scanner.memberColon()
                        claims.custom[key] = try scanner.parseValue(depth: 1)
                    }
                } while try scanner.nextMember()
            }
            try scanner.expectEnd()
        } catch {
            throw TokenError(.invalidClaims, "the claims are not a valid JSON object: \(error.reason)")
        }
        if seen & ClaimTable.requiredMask != ClaimTable.requiredMask {
            for (index, missing) in ClaimTable.requiredInCheckOrder where seen & (1 << UInt64(index)) == 0 {
                throw missing
            }
        }
        return claims
    }
}
