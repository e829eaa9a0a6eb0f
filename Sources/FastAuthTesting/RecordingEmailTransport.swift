public import FastAuth
import Foundation
import Synchronization

/// A transport for route tests that keeps what it is given (or refuses it, to test retries),
/// so a test can read the link a mail carries. The SMTP transport itself is tested against a
/// real SMTP server (`FastAuthEmailTests`).
public final class RecordingEmailTransport: EmailTransport {
    private struct State {
        var sent: [EmailMessage] = []
        var failures: [EmailDeliveryError] = []
    }
    private let state = Mutex(State())

    public init() {}

    public var name: String { "recording" }

    /// Everything delivered so far, oldest first.
    public var sent: [EmailMessage] { state.withLock { $0.sent } }

    /// Makes the next sends fail with these errors, one each, before it delivers again.
    public func failNext(_ failures: [EmailDeliveryError]) {
        state.withLock { $0.failures += failures }
    }

    public func send(_ message: EmailMessage) async throws {
        let failure = state.withLock { state -> EmailDeliveryError? in
            if !state.failures.isEmpty { return state.failures.removeFirst() }
            state.sent.append(message)
            return nil
        }
        if let failure { throw failure }
    }

    /// The first link in `message`'s text that contains `path`.
    public static func link(in message: EmailMessage, containing path: String) -> String? {
        message.text.split(whereSeparator: { $0 == "\n" || $0 == " " }).map(String.init)
            .first { $0.hasPrefix("http") && $0.contains(path) }
    }

    /// The `token` query item of `link`.
    public static func token(in link: String) -> String? {
        guard let range = link.range(of: "token=") else { return nil }
        return String(link[range.upperBound...].prefix { $0 != "&" && $0 != "#" })
    }
}
