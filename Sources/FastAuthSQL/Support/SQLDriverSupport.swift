/// What ``SQLAuthStore`` needs to know about the driver beneath SQLKit, which SQLKit does not
/// abstract: what the driver's errors mean, and — for an engine with a single writer — how this
/// process's writes queue for it.
///
/// FastAuthDatabase makes the right value for each engine: `DatabaseConnection.driverSupport`
/// for a database it opened, and `SQLDriverSupport.sqlite(file:)`, `.sqliteInMemory()` and
/// `.postgres` for a pool of your own. The store itself never looks at the driver.
public struct SQLDriverSupport: Sendable {
    /// Reads a driver error: its ``DriverFailure`` (kind and safe summary), or `nil` when the
    /// error is not the driver's (the store then reports it as ``DriverFailure/Kind/other`` with
    /// its type name).
    public var classifyError: @Sendable (any Error) -> DriverFailure?

    /// How this process's writes to the database queue for its single writer, shared by every
    /// store over the same database in the process; `nil` when the engine takes concurrent
    /// writers itself (PostgreSQL).
    public var writeSerialization: (any SQLWriteSerialization)?

    /// Driver support made of an error classifier and, for a single-writer engine, the write
    /// serialisation of the database.
    public init(
        classifyError: @escaping @Sendable (any Error) -> DriverFailure?,
        writeSerialization: (any SQLWriteSerialization)? = nil
    ) {
        self.classifyError = classifyError
        self.writeSerialization = writeSerialization
    }

    /// What `error` means to the store.
    func failure(for error: any Error) -> DriverFailure {
        classifyError(error) ?? .unrecognised(error)
    }
}
