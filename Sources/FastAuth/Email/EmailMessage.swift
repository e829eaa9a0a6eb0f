/// One email: a plain-text part always, an HTML alternative when the template has one.
public struct EmailMessage: Sendable, Hashable, Codable {
    /// The sender address (`no-reply@auth.example.com`), optionally with a display name
    /// (`FastAuth <no-reply@auth.example.com>`).
    public var from: String
    /// The single recipient address.
    public var to: String
    /// The subject line (one line of text; transports encode it as RFC 2047 when not ASCII).
    public var subject: String
    /// The plain-text body.
    public var text: String
    /// The HTML body, sent as the `multipart/alternative` alternative to ``text``.
    public var html: String?

    public init(from: String, to: String, subject: String, text: String, html: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// Why a transport could not deliver a message, and whether trying again may help.
public struct EmailDeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Whether the outbox should try again later.
    public enum Kind: Sendable, Hashable {
        /// The server could not be reached, timed out, or answered 4xx: retried with backoff.
        case transient
        /// The server refused the message for good (5xx, a malformed address): not retried.
        case permanent
    }

    public var kind: Kind
    /// What went wrong, for the log. Never contains the message body or credentials.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind == .transient ? "transient" : "permanent") delivery failure: \(message)" }
}

/// Delivers email: the log (development), SMTP, or an HTTP webhook (`FastAuthEmail`).
///
/// FastAuth never calls a transport from a request: messages go through the durable outbox,
/// whose delivery task calls ``send(_:)`` and retries on ``EmailDeliveryError/Kind/transient``.
/// A transport may throw any error; errors other than ``EmailDeliveryError`` count as transient.
public protocol EmailTransport: Sendable {
    /// A short name for the log and the startup line (`log`, `smtp://mail.example.com:587`).
    var name: String { get }
    /// Whether messages reach a mailbox. `false` for the log transport: production refuses to
    /// start mail-sending features with only such a transport.
    var deliversMail: Bool { get }
    /// Delivers one message, or throws.
    func send(_ message: EmailMessage) async throws
}

extension EmailTransport {
    public var deliversMail: Bool { true }
}
