/// The claims FastAuth gives typed fields, declared once, in ``TokenClaims/visitClaims(_:)``.
/// Parsing (``TokenClaims/parse(_:)``), writing (``TokenClaims/write(to:)``, in the list's
/// order), the JSON view (``TokenClaims/jsonObject``) and the reserved-claim check a `modifyJWT`
/// hook is held to (``TokenClaims/reservedNames``, ``TokenClaims/hasSameReservedClaims(as:)``)
/// are visitors over that list. The compiler specialises each one, so the token hot path reads
/// and writes the fields directly: no closures, no key paths, no per-claim lookups.
///
/// A new typed claim is one line there (and its field on ``TokenClaims``).
extension TokenClaims {
    @inline(__always)
    package mutating func visitClaims<V: ClaimVisitor>(_ visitor: inout V) {
        visitor.visit(.init(0, "sub", .registered, required: (1, .invalidClaims)), &subject)
        visitor.visit(.init(1, "jti", .registered), &tokenID)
        visitor.visit(.init(2, "sid", .registered), &sessionID)
        visitor.visit(.init(3, "type", .registered, required: (2, .invalidClaims)), &type)
        visitor.visit(.init(4, "iat", .registered), date: &issuedAt)
        visitor.visit(.init(5, "exp", .registered, required: (0, .missingExpiration)), date: &expiresAt)
        visitor.visit(.init(6, "nbf", .registered), date: &notBefore)
        visitor.visit(.init(7, "iss", .registered), &issuer)
        visitor.visit(.init(8, "aud", .registered), audience: &audience)
        visitor.visit(.init(9, "email", .profile, nullable: true), &email)
        // `name` goes with `email`: written (as null when unset) exactly when an email is.
        visitor.visit(.init(10, "name", .profile, nullable: true, writtenWhen: email != nil), &name)
        visitor.visit(.init(11, "email_verified", .profile, nullable: true), &emailVerified)
    }
}

/// What the claim list says about one claim.
package struct ClaimInfo {
    package enum Role: Sendable { case registered, profile }

    /// Its position in the list (a parser's index for the name).
    package let index: Int
    package let name: StaticString
    /// Registered claims may never be set or changed by a hook; profile claims only through
    /// their fields.
    package let role: Role
    /// What a required claim's absence is reported as.
    package enum Missing: Sendable {
        case invalidClaims, missingExpiration

        var code: TokenError.Code {
            switch self {
            case .invalidClaims: .invalidClaims
            case .missingExpiration: .missingExpiration
            }
        }
    }

    /// For a required claim: where its absence comes in the checks, and the error. (Every
    /// member is trivial, so describing a claim costs nothing on the hot path.)
    package let required: (order: Int, missing: Missing)?
    /// `null` reads as unset.
    package let nullable: Bool
    /// `nil`: written when set. `true`: written, as `null` when unset. `false`: not written.
    package let writtenWhen: Bool?

    @inline(__always)
    init(
        _ index: Int, _ name: StaticString, _ role: Role, required: (order: Int, missing: Missing)? = nil,
        nullable: Bool = false, writtenWhen: Bool? = nil
    ) {
        self.index = index
        self.name = name
        self.role = role
        self.required = required
        self.nullable = nullable
        self.writtenWhen = writtenWhen
    }

    package var nameString: String { name.description }
}

/// A pass over the claim list: one method per kind of field.
package protocol ClaimVisitor {
    mutating func visit(_ claim: ClaimInfo, _ value: inout String)
    mutating func visit(_ claim: ClaimInfo, _ value: inout String?)
    mutating func visit(_ claim: ClaimInfo, _ value: inout TokenType)
    mutating func visit(_ claim: ClaimInfo, date value: inout Int64)
    mutating func visit(_ claim: ClaimInfo, date value: inout Int64?)
    mutating func visit(_ claim: ClaimInfo, audience value: inout [String]?)
    mutating func visit(_ claim: ClaimInfo, _ value: inout Bool?)
}

/// The JSON shape of a claim's value, by position in the list.
package enum ClaimKind: Sendable {
    case string, optionalString, nullableString, type, date, audience, nullableBool
}

/// What the list declares, collected once.
package enum ClaimTable {
    private struct Collector: ClaimVisitor {
        var infos: [ClaimInfo] = []
        var kinds: [ClaimKind] = []
        mutating func add(_ claim: ClaimInfo, _ kind: ClaimKind) {
            precondition(claim.index == infos.count, "claim indices follow the list")
            infos.append(claim)
            kinds.append(kind)
        }
        mutating func visit(_ claim: ClaimInfo, _ value: inout String) { add(claim, .string) }
        mutating func visit(_ claim: ClaimInfo, _ value: inout String?) {
            add(claim, claim.nullable ? .nullableString : .optionalString)
        }
        mutating func visit(_ claim: ClaimInfo, _ value: inout TokenType) { add(claim, .type) }
        mutating func visit(_ claim: ClaimInfo, date value: inout Int64) { add(claim, .date) }
        mutating func visit(_ claim: ClaimInfo, date value: inout Int64?) { add(claim, .date) }
        mutating func visit(_ claim: ClaimInfo, audience value: inout [String]?) { add(claim, .audience) }
        mutating func visit(_ claim: ClaimInfo, _ value: inout Bool?) { add(claim, .nullableBool) }
    }

    private static let collected: Collector = {
        var collector = Collector()
        var claims = TokenClaims(subject: "", type: .access, expiresAt: 0)
        claims.visitClaims(&collector)
        return collector
    }()

    /// The value kind of each claim, by index.
    package static let kinds: [ClaimKind] = collected.kinds

    /// The member names, matched as bytes while parsing; an index here is a claim's index.
    package static let names = KeyNames(collected.infos.map(\.nameString))

    package static let reservedNames: Set<String> = Set(
        collected.infos.filter { $0.role == .registered }.map(\.nameString))
    package static let profileNames: Set<String> = Set(
        collected.infos.filter { $0.role == .profile }.map(\.nameString))

    /// The required claims in the order their absence is reported, with the error for each.
    package static let requiredInCheckOrder: [(index: Int, error: TokenError)] = collected.infos
        .compactMap { info in
            info.required.map {
                (info.index, $0.order, TokenError($0.missing.code, "the token has no \(info.nameString) claim"))
            }
        }
        .sorted { $0.1 < $1.1 }
        .map { ($0.0, $0.2) }

    /// One bit per required claim, by index.
    package static let requiredMask: UInt64 = requiredInCheckOrder.reduce(0) { $0 | 1 << UInt64($1.index) }
}

// MARK: - The passes

/// A value parsed for the claim at `index`, stored into its field.
struct ClaimAssignment: ClaimVisitor {
    enum Value {
        case string(String?)
        case date(Int64)
        case audience([String])
        case bool(Bool?)
    }

    let index: Int
    var value: Value

    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ field: inout String) {
        if claim.index == index, case .string(let string?) = value { field = string }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ field: inout String?) {
        if claim.index == index, case .string(let string) = value { field = string }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ field: inout TokenType) {
        if claim.index == index, case .string(let string?) = value { field = TokenType(rawValue: string) }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, date field: inout Int64) {
        if claim.index == index, case .date(let date) = value { field = date }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, date field: inout Int64?) {
        if claim.index == index, case .date(let date) = value { field = date }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, audience field: inout [String]?) {
        if claim.index == index, case .audience(let audience) = value { field = audience }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ field: inout Bool?) {
        if claim.index == index, case .bool(let bool) = value { field = bool }
    }
}

/// Writes each claim the claims carry as `,"name":value`, in the list's order.
struct ClaimWriter: ClaimVisitor {
    var json: JSONWriter
    var first = true

    @inline(__always) private mutating func member(_ claim: ClaimInfo) {
        if !first { json.byte(UInt8(ascii: ",")) }
        first = false
        json.byte(UInt8(ascii: "\""))
        json.raw(claim.name)  // the list's names are plain ASCII: nothing to escape
        json.byte(UInt8(ascii: "\""))
        json.byte(UInt8(ascii: ":"))
    }

    /// Whether an unset claim is written as `null`, and whether a set one is written at all.
    @inline(__always) private func writes(_ claim: ClaimInfo, isSet: Bool) -> Bool {
        claim.writtenWhen ?? isSet
    }

    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ value: inout String) {
        member(claim)
        json.string(value)
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ value: inout String?) {
        guard writes(claim, isSet: value != nil) else { return }
        member(claim)
        if let value { json.string(value) } else { json.raw("null") }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ value: inout TokenType) {
        member(claim)
        json.string(value.rawValue)
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, date value: inout Int64) {
        member(claim)
        json.int(value)
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, date value: inout Int64?) {
        guard writes(claim, isSet: value != nil) else { return }
        member(claim)
        if let value { json.int(value) } else { json.raw("null") }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, audience value: inout [String]?) {
        guard writes(claim, isSet: value != nil) else { return }
        member(claim)
        guard let value else { return json.raw("null") }
        json.byte(UInt8(ascii: "["))
        for (index, element) in value.enumerated() {
            if index > 0 { json.byte(UInt8(ascii: ",")) }
            json.string(element)
        }
        json.byte(UInt8(ascii: "]"))
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ value: inout Bool?) {
        guard writes(claim, isSet: value != nil) else { return }
        member(claim)
        if let value { value ? json.raw("true") : json.raw("false") } else { json.raw("null") }
    }
}

/// Each claim the claims carry as a JSON member (what ``ClaimWriter`` writes, as values).
struct ClaimObjectBuilder: ClaimVisitor {
    var object: [String: JSONValue]

    private mutating func set(_ claim: ClaimInfo, _ value: JSONValue?) {
        guard claim.writtenWhen ?? (value != nil) else { return }
        object[claim.nameString] = value ?? .null
    }

    mutating func visit(_ claim: ClaimInfo, _ value: inout String) { set(claim, .string(value)) }
    mutating func visit(_ claim: ClaimInfo, _ value: inout String?) { set(claim, value.map { .string($0) }) }
    mutating func visit(_ claim: ClaimInfo, _ value: inout TokenType) { set(claim, .string(value.rawValue)) }
    mutating func visit(_ claim: ClaimInfo, date value: inout Int64) { set(claim, .int(value)) }
    mutating func visit(_ claim: ClaimInfo, date value: inout Int64?) { set(claim, value.map { .int($0) }) }
    mutating func visit(_ claim: ClaimInfo, audience value: inout [String]?) {
        set(claim, value.map { .array($0.map { .string($0) }) })
    }
    mutating func visit(_ claim: ClaimInfo, _ value: inout Bool?) { set(claim, value.map { .bool($0) }) }
}

/// Clears every profile claim, leaving the registered ones (for comparing those alone).
struct ProfileClearer: ClaimVisitor {
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ value: inout String) {}
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ value: inout String?) {
        if claim.role == .profile { value = nil }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ value: inout TokenType) {}
    @inline(__always) mutating func visit(_ claim: ClaimInfo, date value: inout Int64) {}
    @inline(__always) mutating func visit(_ claim: ClaimInfo, date value: inout Int64?) {
        if claim.role == .profile { value = nil }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, audience value: inout [String]?) {
        if claim.role == .profile { value = nil }
    }
    @inline(__always) mutating func visit(_ claim: ClaimInfo, _ value: inout Bool?) {
        if claim.role == .profile { value = nil }
    }
}

/// A NumericDate (RFC 7519 §2): a JSON number of seconds; fractions are rounded down.
enum NumericDateCodec {
    static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> Int64 {
        switch try scanner.parseNumber() {
        case .int(let value): return value
        case .double(let value) where value.isFinite && abs(value) < 9e15: return Int64(value.rounded(.down))
        default: throw JSONParseError(reason: "a date claim is out of range", offset: 0)
        }
    }
}

/// `aud`: a string or a list of strings.
enum AudienceCodec {
    static func parse(_ scanner: inout JSONScanner) throws(JSONParseError) -> [String] {
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
}
