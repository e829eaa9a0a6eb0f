/// The account lifecycle: email verification, password reset, email change, account deletion,
/// and the mail they send.
public struct AccountsConfig: Sendable {
    /// How mail leaves the server. Default: the log (development); production deployments
    /// configure SMTP or a webhook (`FastAuthEmail`). `nil` turns the features that send mail
    /// off: requesting a verification, a reset or an email change answers 503
    /// `email_unavailable` (the links already sent keep working).
    public var emailTransport: (any EmailTransport)?
    /// The sender address; default `no-reply@` + the host of the link base URL.
    public var emailFrom: String?
    /// A directory of Mustache templates overriding the built-in ones, file by file
    /// (`verification.subject.mustache`, `verification.text.mustache`,
    /// `verification.html.mustache`, …; see ``EmailTemplates``).
    public var templatesDirectory: String?
    /// The absolute URL of the app's own email-verification page; the emailed link is this URL
    /// with `?token=…` added. Default: FastAuth's confirm page at `<prefix>/verify-email`.
    public var emailVerificationURL: String?
    /// The absolute URL of the app's own password-reset page (`?token=…` is added); FastAuth's
    /// `GET <prefix>/reset-password` then redirects there. Default: FastAuth's own form.
    public var passwordResetURL: String?
    /// The base of emailed links when neither ``FastAuthConfig/publicURL`` nor an https issuer
    /// gives one (development: `fastauth serve` sets `http://<host>:<port>`).
    public var linkBaseURL: String?
    /// Refuse logins (403, `email_not_verified`) until the email is verified.
    public var requireVerifiedEmail: Bool
    /// How long a verification link works.
    public var verificationTokenTTL: Duration
    /// How long a password-reset link works.
    public var passwordResetTokenTTL: Duration
    /// How long an email-change confirmation link works.
    public var emailChangeTokenTTL: Duration
    /// How long a deleted account's row is kept (audits) before it is purged and its email can
    /// be registered again.
    public var deletedAccountRetention: Duration
    /// Mails of one kind to one user or address: at most one per `perMinute` window…
    public var sendInterval: Duration
    /// …and at most this many per hour.
    public var sendsPerHour: Int
    /// Password-reset requests from one client address per hour (any emails).
    public var resetRequestsPerClientPerHour: Int
    /// How often the delivery task looks for due mail when nothing wakes it.
    public var deliveryPollInterval: Duration
    /// Delivery attempts before a message is given up.
    public var maxDeliveryAttempts: Int
    /// How long sent and failed messages (bodies wiped) are kept.
    public var finishedEmailRetention: Duration

    public init(
        emailTransport: (any EmailTransport)? = LogEmailTransport(), emailFrom: String? = nil,
        templatesDirectory: String? = nil, emailVerificationURL: String? = nil, passwordResetURL: String? = nil,
        linkBaseURL: String? = nil, requireVerifiedEmail: Bool = false,
        verificationTokenTTL: Duration = .seconds(86_400), passwordResetTokenTTL: Duration = .seconds(1800),
        emailChangeTokenTTL: Duration = .seconds(1800), deletedAccountRetention: Duration = .seconds(30 * 86_400),
        sendInterval: Duration = .seconds(60), sendsPerHour: Int = 5, resetRequestsPerClientPerHour: Int = 30,
        deliveryPollInterval: Duration = .seconds(5), maxDeliveryAttempts: Int = 8,
        finishedEmailRetention: Duration = .seconds(7 * 86_400)
    ) {
        self.emailTransport = emailTransport
        self.emailFrom = emailFrom
        self.templatesDirectory = templatesDirectory
        self.emailVerificationURL = emailVerificationURL
        self.passwordResetURL = passwordResetURL
        self.linkBaseURL = linkBaseURL
        self.requireVerifiedEmail = requireVerifiedEmail
        self.verificationTokenTTL = verificationTokenTTL
        self.passwordResetTokenTTL = passwordResetTokenTTL
        self.emailChangeTokenTTL = emailChangeTokenTTL
        self.deletedAccountRetention = deletedAccountRetention
        self.sendInterval = sendInterval
        self.sendsPerHour = sendsPerHour
        self.resetRequestsPerClientPerHour = resetRequestsPerClientPerHour
        self.deliveryPollInterval = deliveryPollInterval
        self.maxDeliveryAttempts = maxDeliveryAttempts
        self.finishedEmailRetention = finishedEmailRetention
    }

    var problems: [String] {
        var problems: [String] = []
        for (name, url) in [
            ("emailVerificationURL", emailVerificationURL), ("passwordResetURL", passwordResetURL),
            ("linkBaseURL", linkBaseURL),
        ] {
            if let url, !FastAuthConfig.isBaseURL(url) {
                problems.append(
                    "\(name) must be an absolute http(s) URL without query or fragment, not \"\(url.prefix(80))\"")
            }
        }
        for (name, ttl) in [
            ("verificationTokenTTL", verificationTokenTTL), ("passwordResetTokenTTL", passwordResetTokenTTL),
            ("emailChangeTokenTTL", emailChangeTokenTTL), ("deliveryPollInterval", deliveryPollInterval),
        ] where ttl <= .zero {
            problems.append("\(name) must be positive")
        }
        if deletedAccountRetention < .zero { problems.append("deletedAccountRetention must not be negative") }
        if sendsPerHour < 1 { problems.append("sendsPerHour must be at least 1") }
        if resetRequestsPerClientPerHour < 1 { problems.append("resetRequestsPerClientPerHour must be at least 1") }
        if maxDeliveryAttempts < 1 { problems.append("maxDeliveryAttempts must be at least 1") }
        if let from = emailFrom, !EmailTemplates.isSafeHeaderValue(from) || !from.contains("@") {
            problems.append(
                "emailFrom must be one email address (optionally with a display name), not \"\(from.prefix(80))\"")
        }
        return problems
    }
}
