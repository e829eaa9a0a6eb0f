/// The id of a user account (a cuid2).
public struct UserID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// A fresh random id.
    public static func generate() -> Self { Self(CUID2Generator.shared.next()) }
    public var description: String { rawValue }
}

/// The id of a login session, the family its refresh tokens belong to (a cuid2).
public struct SessionID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// A fresh random id.
    public static func generate() -> Self { Self(CUID2Generator.shared.next()) }
    public var description: String { rawValue }
}

/// The id of one token (its `jti`, a cuid2).
public struct TokenID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// A fresh random id.
    public static func generate() -> Self { Self(CUID2Generator.shared.next()) }
    public var description: String { rawValue }
}
