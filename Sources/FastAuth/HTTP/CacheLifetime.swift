#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How long a fetched key set stays fresh: the response's `Cache-Control: max-age`, clamped
/// to the configured bounds.
package struct CacheLifetime: Sendable, Hashable {
    /// The shortest freshness ever used (also for `no-cache`/`no-store`).
    package var minimum: Duration
    /// The longest freshness ever used.
    package var maximum: Duration
    /// The freshness when the response has no `max-age`.
    package var fallback: Duration

    /// Creates the bounds.
    package init(minimum: Duration, maximum: Duration, fallback: Duration) {
        self.minimum = minimum
        self.maximum = maximum
        self.fallback = fallback
    }

    /// The clamped freshness for a `Cache-Control` header value.
    package func freshness(cacheControl: String?) -> Duration {
        let requested = Self.maxAge(cacheControl) ?? fallback
        return min(max(requested, minimum), maximum)
    }

    /// The `max-age` of a `Cache-Control` value: zero for `no-cache`/`no-store`, `nil` when
    /// absent or unreadable. Directive names are case-insensitive; a quoted value is accepted.
    package static func maxAge(_ cacheControl: String?) -> Duration? {
        guard let cacheControl else { return nil }
        var maxAge: Duration?
        for directive in cacheControl.split(separator: ",") {
            // Empty pieces are kept, so a directive of just `=` has an empty name instead of no
            // parts at all (indexing an empty split trapped the verifier on `Cache-Control: =`).
            let parts = directive.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = parts.first else { continue }
            switch first.trimmedOfSpaces.lowercased() {
            case "no-cache", "no-store":
                return .zero
            case "max-age" where parts.count == 2:
                var value = parts[1].trimmedOfSpaces
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                    value = String(value.dropFirst().dropLast())
                }
                guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
                else {
                    continue
                }
                // RFC 9111 §1.2.2: a delta too large to represent means "very long".
                maxAge = .seconds(Int64(value) ?? Int64(Int32.max))
            default:
                continue
            }
        }
        return maxAge
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    var trimmedOfSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
