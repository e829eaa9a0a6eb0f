/// A JWS signing algorithm name (RFC 7518), e.g. `HS256` or `EdDSA`.
public struct SigningAlgorithm: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The kinds of key an algorithm uses.
    public enum Family: Sendable, Hashable {
        case hmac, rsaPKCS1, rsaPSS, ecdsa, eddsa
    }

    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let hs256 = Self("HS256")
    public static let hs384 = Self("HS384")
    public static let hs512 = Self("HS512")
    public static let rs256 = Self("RS256")
    public static let rs384 = Self("RS384")
    public static let rs512 = Self("RS512")
    public static let ps256 = Self("PS256")
    public static let ps384 = Self("PS384")
    public static let ps512 = Self("PS512")
    public static let es256 = Self("ES256")
    public static let es384 = Self("ES384")
    public static let es512 = Self("ES512")
    public static let eddsa = Self("EdDSA")

    /// Every algorithm FastAuth signs and verifies with.
    public static let supported: [Self] = [
        .hs256, .hs384, .hs512, .rs256, .rs384, .rs512, .ps256, .ps384, .ps512, .es256, .es384, .es512, .eddsa,
    ]

    /// The family of keys this algorithm uses; `nil` for an unknown name.
    public var family: Family? {
        switch self {
        case .hs256, .hs384, .hs512: .hmac
        case .rs256, .rs384, .rs512: .rsaPKCS1
        case .ps256, .ps384, .ps512: .rsaPSS
        case .es256, .es384, .es512: .ecdsa
        case .eddsa: .eddsa
        default: nil
        }
    }

    /// `true` for the HMAC algorithms.
    public var isSymmetric: Bool { family == .hmac }

    /// The digest size in bytes (HS/RS/PS/ES), 64 for EdDSA.
    package var hashByteCount: Int {
        switch self {
        case .hs384, .rs384, .ps384, .es384: 48
        case .hs512, .rs512, .ps512, .es512: 64
        default: 32
        }
    }
}
