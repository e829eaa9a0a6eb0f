/// What a token is for, carried in its `type` claim.
public struct TokenType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// A short-lived token for protected routes.
    public static let access = Self(rawValue: "access")
    /// A long-lived, single-use token that buys a new pair at the refresh route.
    public static let refresh = Self(rawValue: "refresh")
}
