/// Why an authentication operation was refused. The HTTP adapter maps ``code`` to a status;
/// ``message`` is the `detail` the API answers with (the Python original's wording).
public struct AuthError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Wrong email or password (and unknown emails): 401.
        public static let invalidCredentials = Code("invalid_credentials")
        /// No valid access token: 401.
        public static let notAuthenticated = Code("not_authenticated")
        /// The refresh token is not valid: 401.
        public static let invalidRefreshToken = Code("invalid_refresh_token")
        /// The refresh token was used before (outside the grace window) or its session ended: 401.
        public static let refreshTokenReused = Code("refresh_token_reused")
        /// No refresh token was sent: 401.
        public static let refreshTokenRequired = Code("refresh_token_required")
        /// The account is deactivated: 401.
        public static let accountDeactivated = Code("account_deactivated")
        /// An `allowSignin` hook refused the login: 403.
        public static let signinNotAllowed = Code("signin_not_allowed")
        /// The CSRF token is missing or wrong: 403.
        public static let csrfFailed = Code("csrf_failed")
        /// The email is taken: 409.
        public static let emailTaken = Code("email_taken")
        /// The password breaks the policy: 400.
        public static let weakPassword = Code("weak_password")
        /// A request field is missing or invalid: 422.
        public static let validation = Code("validation_error")
        /// Too many requests from this client, or too many failed logins: 429.
        public static let rateLimited = Code("rate_limited")
        /// No such session of this user: 404.
        public static let sessionNotFound = Code("session_not_found")
        /// The caller lacks the admin role or a required permission: 403.
        public static let insufficientPermissions = Code("insufficient_permissions")
        /// The caller lacks a required role: 403.
        public static let insufficientRole = Code("insufficient_role")
        /// A role with this name exists: 409.
        public static let roleExists = Code("role_exists")
        /// No such role: 404.
        public static let roleNotFound = Code("role_not_found")
        /// No such user: 404.
        public static let userNotFound = Code("user_not_found")
        /// The account's email is verified already: 400.
        public static let emailAlreadyVerified = Code("email_already_verified")
        /// Login refused until the email is verified (``AccountsConfig/requireVerifiedEmail``): 403.
        public static let emailNotVerified = Code("email_not_verified")
        /// A one-time token (emailed link) is unknown, used or expired: 400.
        public static let invalidToken = Code("invalid_token")
        /// The password given to confirm an account change is wrong: 400.
        public static let incorrectPassword = Code("incorrect_password")
        /// A profile update named no field: 400.
        public static let nothingToUpdate = Code("nothing_to_update")
        /// Mail is turned off (``AccountsConfig/emailTransport`` is `nil`): 503.
        public static let emailUnavailable = Code("email_unavailable")
        /// Social sign-in: no such provider is configured (404).
        public static let providerNotFound = Code("provider_not_found")
        /// Social sign-in: the callback's `state` is unknown, used, expired, for another
        /// provider or purpose, or not bound to this browser (400).
        public static let invalidState = Code("invalid_state")
        /// Social sign-in: `redirect_uri` is not in the allowlist (400).
        public static let invalidRedirectURI = Code("invalid_redirect_uri")
        /// Social sign-in: a local account has the provider's email, but the emails are not
        /// verified on both sides; nothing was linked (409).
        public static let accountNotLinked = Code("account_not_linked")
        /// Social linking: the provider account belongs to another user, or the user has an
        /// account of this provider already (409).
        public static let accountAlreadyLinked = Code("account_already_linked")
        /// Social sign-in: the provider gave no verified email to create an account with (400).
        public static let providerEmailUnverified = Code("provider_email_unverified")
        /// Social sign-in: the provider refused, or its answer could not be verified (400).
        public static let providerError = Code("provider_error")
        /// Social sign-in: the provider could not be reached (502).
        public static let providerUnavailable = Code("provider_unavailable")
        /// Unlinking the user's last way to sign in (no password, no other provider) (409).
        public static let lastSignInMethod = Code("last_sign_in_method")
        /// The user has no linked account of this provider (404).
        public static let providerAccountNotFound = Code("provider_account_not_found")
        /// Deleting an account without a password needs a recent sign-in (403).
        public static let recentSignInRequired = Code("recent_sign_in_required")
        /// The store failed: 503.
        public static let unavailable = Code("unavailable")
        /// Too many password hashes are waiting: try again shortly (HTTP 503 with `Retry-After`).
        public static let busy = Code("server_busy")
    }

    public let code: Code
    /// The human message (the API's `detail`). Never contains a password, hash or token.
    public let message: String
    /// For ``Code/validation``: the field at fault.
    public let field: String?
    /// For ``Code/rateLimited``: seconds until a retry can succeed.
    public let retryAfter: Int?

    public init(_ code: Code, _ message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    public var description: String { "\(message) [\(code.name)]" }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    static let invalidCredentials = AuthError(.invalidCredentials, "Invalid email or password")
    static let notAuthenticated = AuthError(.notAuthenticated, "Not authenticated")
    /// 401 `Not authenticated`.
    public static let notAuthenticatedError = notAuthenticated
    static let invalidRefreshToken = AuthError(.invalidRefreshToken, "Invalid refresh token")
    static let refreshTokenReused = AuthError(.refreshTokenReused, "Refresh token has already been used")
    static let accountDeactivated = AuthError(.accountDeactivated, "Account is deactivated")
    static let sessionNotFound = AuthError(.sessionNotFound, "Session not found")
}
