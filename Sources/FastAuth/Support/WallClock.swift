#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A source of wall-clock time. Every expiry, lockout and rotation decision reads it, so tests
/// can substitute a manual clock and never sleep.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    /// Creates the system clock.
    public init() {}

    /// The current instant from the operating system.
    public func now() -> Date { Date() }
}

extension Date {
    /// Whole seconds since 1970, as JWT NumericDate claims carry them.
    package var unixSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
}

extension Duration {
    /// The duration in whole seconds (fractions are dropped).
    package var wholeSeconds: Int64 { components.seconds }
}
