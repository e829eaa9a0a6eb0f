#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Times are stored as BIGINT Unix milliseconds on every engine: portable, exact and comparable
/// in SQL. Sub-millisecond parts of a `Date` are rounded to the nearest millisecond.
extension Date {
    /// Milliseconds since 1970-01-01T00:00:00Z, rounded to the nearest millisecond.
    var storedMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    /// The instant `milliseconds` after 1970-01-01T00:00:00Z.
    init(storedMilliseconds milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
