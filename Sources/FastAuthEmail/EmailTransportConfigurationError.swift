import FastAuth

/// A transport's settings cannot be used: a malformed `FASTAUTH_EMAIL_TRANSPORT`, plaintext
/// SMTP to a host that is not loopback, an unreadable CA file, … The message says what is wrong
/// and never repeats a password or token.
public struct EmailTransportConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, for the operator.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Whether a host is this machine: `localhost`, 127.0.0.0/8 or `::1` (brackets allowed).
/// Plaintext SMTP and http webhooks are allowed only to such hosts.
package func isLoopbackHost(_ host: String) -> Bool {
    var host = host.lowercased()
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    if host == "localhost" || host == "localhost." { return true }
    guard let address = IPAddress(host) else { return false }
    return address == IPAddress("::1") || IPNetwork("127.0.0.0/8")?.contains(address) == true
}
