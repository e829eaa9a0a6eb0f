#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The pure state machine of key rotation: given the stored keys and the time, what
/// to do next. It does nothing itself; ``KeyManager`` applies its actions to the store.
public struct RotationPolicy: Sendable, Hashable {
    /// One step to take.
    public enum Action: Sendable, Hashable {
        /// There is no current key: create one that signs at once (nothing can have cached a
        /// key set without it).
        case createCurrent
        /// Create the key that will sign next, published from now on.
        case createNext
        /// Make `next` current and retire `current`.
        case promote(next: KeyID, current: KeyID?)
        /// Retire a current key left over beside another current key's successor.
        case retire(KeyID)
        /// Delete a retired key whose tokens have all expired.
        case remove(KeyID)
        /// Nothing to do before `until`.
        case wait(until: Date)
    }

    /// How long a key signs; `nil` for never rotating.
    public var interval: Duration?
    /// JWKS `Cache-Control` max-age: how long verifiers may cache the set.
    public var jwksMaxAge: Duration
    /// Access-token lifetime: how long a retired key's tokens live.
    public var accessTokenTTL: Duration
    /// Verification leeway.
    public var leeway: Duration

    public init(interval: Duration?, jwksMaxAge: Duration, accessTokenTTL: Duration, leeway: Duration) {
        self.interval = interval
        self.jwksMaxAge = jwksMaxAge
        self.accessTokenTTL = accessTokenTTL
        self.leeway = leeway
    }

    /// How long after retirement a key stays published: its last token's lifetime, the
    /// leeway, and one cache period of any verifier.
    public var retention: TimeInterval {
        TimeInterval((accessTokenTTL + leeway + jwksMaxAge).wholeSeconds)
    }

    /// The next action for `keys` at `now`. Applying it and asking again converges; when it
    /// answers ``Action/wait(until:)`` the keys are in order until then.
    public func tick(keys: [StoredSigningKey], now: Date) -> Action {
        let current = keys.filter { $0.state == .current }.sorted {
            ($0.activatedAt ?? $0.createdAt) > ($1.activatedAt ?? $1.createdAt)
        }
        let next = keys.first { $0.state == .next }
        let maxAge = TimeInterval(jwksMaxAge.wholeSeconds)

        // Expired retired keys go first: removing them never affects signing.
        for key in keys where key.state == .retired {
            let retiredAt = key.retiredAt ?? key.createdAt
            if retiredAt.addingTimeInterval(retention) <= now { return .remove(key.id) }
        }
        // Two current keys can only come from outside interference; keep the newest.
        if current.count > 1, let stale = current.last { return .retire(stale.id) }
        guard let signing = current.first else {
            // No current key. A published next key is promoted at once rather than minting another.
            if let next { return .promote(next: next.id, current: nil) }
            return .createCurrent
        }
        guard let interval else {
            return .wait(until: earliestRemoval(keys, now: now) ?? now.addingTimeInterval(86_400))
        }
        let activatedAt = signing.activatedAt ?? signing.createdAt
        let rotateAt = activatedAt.addingTimeInterval(TimeInterval(interval.wholeSeconds))
        guard let next else {
            return .createNext
        }
        // The next key signs only once every verifier has had one cache period to see it.
        let publishedLongEnough = next.createdAt.addingTimeInterval(maxAge)
        let promoteAt = max(rotateAt, publishedLongEnough)
        if promoteAt <= now { return .promote(next: next.id, current: signing.id) }
        let wakeAt = [promoteAt, earliestRemoval(keys, now: now)].compactMap { $0 }.min() ?? promoteAt
        return .wait(until: wakeAt)
    }

    private func earliestRemoval(_ keys: [StoredSigningKey], now: Date) -> Date? {
        keys.filter { $0.state == .retired }.map { ($0.retiredAt ?? $0.createdAt).addingTimeInterval(retention) }.min()
    }
}
