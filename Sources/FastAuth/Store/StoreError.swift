/// Why a store operation failed.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A user with this email already exists.
        public static let duplicateEmail = Code("duplicate_email")
        /// A record with this id already exists.
        public static let duplicateID = Code("duplicate_id")
        /// The database could not be reached or refused the operation.
        public static let unavailable = Code("unavailable")
        /// The stored data is not what FastAuth wrote (a corrupt or foreign row).
        public static let corrupt = Code("corrupt")
    }

    public let code: Code
    /// A human explanation; never contains a password hash or token.
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(reason) [\(code.name)]" }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
