/// Where a request came from, as the HTTP layer saw it: what the core logs and limits by.
/// (Named apart from the frameworks' request contexts, such as Hummingbird's `RequestContext`,
/// so an adapter can use both without qualifying either.)
public struct RequestOrigin: Sendable, Hashable {
    /// The client's address (rate limits and lockouts are per address).
    public var clientAddress: String
    /// The `User-Agent`, recorded on new sessions.
    public var userAgent: String?
    /// A request id for log lines.
    public var requestID: String

    public init(clientAddress: String, userAgent: String? = nil, requestID: String = "-") {
        self.clientAddress = clientAddress
        self.userAgent = userAgent.map { String($0.prefix(512)) }
        self.requestID = requestID
    }
}

/// An authenticated caller: the verified access token and the user it names.
public struct Principal: Sendable, Hashable {
    /// The user, as read from the store for this request.
    public let user: UserAccount
    /// The verified access-token claims.
    public let claims: TokenClaims

    /// The caller's session, from the token's `sid`.
    public var sessionID: SessionID? { claims.sessionID.map(SessionID.init(rawValue:)) }
}

/// A session as the sessions route lists it.
public struct SessionInfo: Sendable, Hashable {
    public let session: SessionRecord
    /// `true` for the session of the token making the request.
    public let isCurrent: Bool
}

/// The answer to an introspection request (RFC 7662).
public struct Introspection: Sendable, Hashable {
    public let active: Bool
    public let claims: TokenClaims?

    static let inactive = Introspection(active: false, claims: nil)
}

/// The result of a successful register or login.
public struct SignIn: Sendable, Hashable {
    public let user: UserAccount
    public let session: SessionRecord
    public let tokens: TokenPair
}
