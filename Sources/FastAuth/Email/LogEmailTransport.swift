public import Logging

/// The development transport: writes each message — links included — to the log, at `notice`.
/// It delivers nothing, so production refuses to start mail-sending features with it alone.
public struct LogEmailTransport: EmailTransport {
    private let logger: Logger

    public init(logger: Logger = Logger(label: "fastauth.email")) {
        self.logger = logger
    }

    public var name: String { "log" }
    public var deliversMail: Bool { false }

    public func send(_ message: EmailMessage) async throws {
        logger.notice(
            "email (log transport, not delivered)\nFrom: \(message.from)\nTo: \(message.to)\nSubject: \(message.subject)\n\n\(message.text)"
        )
    }
}
