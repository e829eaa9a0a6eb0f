#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A user account as FastAuth sees it: everything but the password hash.
public struct UserAccount: Sendable, Hashable, Codable {
    /// The user's id (a cuid2).
    public var id: UserID
    /// The email address, normalised to lower case.
    public var email: String
    /// The display name.
    public var name: String?
    /// A picture URL.
    public var image: String?
    /// Whether the email address has been verified.
    public var emailVerified: Bool
    /// Inactive users cannot log in or refresh.
    public var isActive: Bool
    /// When the account was created.
    public var createdAt: Date
    /// When the account was last changed.
    public var updatedAt: Date
    /// When the user deleted the account (`DELETE /auth/account`): it is inactive from then on,
    /// and its row is purged after ``AccountsConfig/deletedAccountRetention``.
    public var deletedAt: Date?

    /// Creates an account value.
    public init(
        id: UserID, email: String, name: String? = nil, image: String? = nil, emailVerified: Bool = false,
        isActive: Bool = true, createdAt: Date, updatedAt: Date? = nil, deletedAt: Date? = nil
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.image = image
        self.emailVerified = emailVerified
        self.isActive = isActive
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.deletedAt = deletedAt
    }
}
