/// Who signed in at a social sign-in provider, as the provider vouched for it: an OpenID Connect
/// ID token verified against the provider's keys, or GitHub's API.
public struct ProviderIdentity: Sendable, Hashable {
    /// The provider's id (`google`, `github`, a generic provider's lower-case name).
    public let provider: String
    /// The provider's stable user id: OIDC `sub`, GitHub's numeric id as a string.
    public let subject: String
    /// OIDC: the `iss` (the identity is (`issuer`, `subject`)); GitHub: the API base URL.
    public let issuer: String
    /// The email, when the provider gave one (GitHub: only a primary, verified one).
    public let email: String?
    /// `true` only when the provider says the email is verified.
    public let emailVerified: Bool
    /// The display name.
    public let name: String?
    /// The picture / avatar URL.
    public let picture: String?

    /// Creates an identity.
    public init(
        provider: String, subject: String, issuer: String, email: String?, emailVerified: Bool, name: String?,
        picture: String?
    ) {
        self.provider = provider
        self.subject = subject
        self.issuer = issuer
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.picture = picture
    }
}
