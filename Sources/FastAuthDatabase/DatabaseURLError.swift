public import Foundation

/// A database URL that cannot be used; the message names the problem and never the password.
public struct DatabaseURLError: Error, CustomStringConvertible, LocalizedError {
    static let forms = "use sqlite://PATH, sqlite::memory: or postgres://user:pass@host:port/db"

    public let description: String
    init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
