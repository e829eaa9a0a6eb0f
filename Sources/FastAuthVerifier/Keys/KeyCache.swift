import FastAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a verifier knows about the issuer's keys, and every caching decision built on it.
/// Pure: each decision takes `now`; nothing here fetches, waits or starts work.
/// ``RemoteTokenVerifier`` asks it what to do, does it, and reports back.
struct KeyCache: Sendable {
    /// The rules, from the configuration.
    struct Policy: Sendable, Hashable {
        /// Freshness from `Cache-Control`, clamped.
        var lifetime: CacheLifetime
        /// Unknown `kid`s cause at most one fetch per cooldown and stay refused for it.
        var unknownKeyIDCooldown: Duration
        /// After a failed fetch, no new attempt before this has passed.
        var retryInterval: Duration
        /// At most this many refused `kid`s are remembered (the memory stays bounded whatever
        /// an attacker sends; the cooldown alone still limits fetches).
        var maxUnknownKeyIDs: Int = 1024
        /// Known keys keep working this long past their freshness while fetches fail; then
        /// the cache fails closed.
        var maxStale: Duration = .seconds(86_400)
    }

    /// What to do with a token that needs the keys.
    enum Plan: Sendable {
        /// The keys are usable as they are.
        case use(KeySet)
        /// The keys are stale and the issuer is thought healthy: fetch, and wait for it.
        case refreshAndWait
        /// The keys are stale and the last fetch failed: use them (stale-if-error) and try
        /// again without making the caller wait.
        case refreshInBackground(KeySet)
        /// No keys were ever loaded and the last attempt failed too recently to retry.
        case unavailable(VerifierError?)
    }

    let policy: Policy
    /// The keys; `nil` until a key set was loaded once.
    private(set) var keys: KeySet?
    /// Why keys of the last loaded set were skipped.
    private(set) var skipped: [String] = []
    /// The validator of the loaded set, sent as `If-None-Match`.
    private(set) var etag: String?
    /// Until when the loaded set is fresh.
    private(set) var freshUntil: Date = .distantPast
    /// When the last fetch started.
    private(set) var lastAttempt: Date?
    /// When the last fetch caused by an unknown `kid` started. Only these count against the
    /// cooldown: a key rotated in an emergency is picked up at once, even right after a
    /// scheduled fetch, while garbage kids still cause at most one fetch per cooldown.
    private(set) var lastUnknownKeyIDFetch: Date?
    /// No new attempt before this (set by a failure).
    private(set) var retryNotBefore: Date = .distantPast
    /// Why the last fetch failed; `nil` after a success.
    private(set) var lastError: VerifierError?
    /// Refused `kid`s and until when they stay refused without asking the issuer.
    private var unknownKeyIDs: [String: Date] = [:]

    init(policy: Policy) {
        self.policy = policy
    }

    /// What a verification at `now` should do about the keys.
    func plan(now: Date) -> Plan {
        guard let keys = usableKeys(now: now) else {
            return now < retryNotBefore ? .unavailable(lastError) : .refreshAndWait
        }
        if now < freshUntil { return .use(keys) }
        if lastError != nil {
            return now < retryNotBefore ? .use(keys) : .refreshInBackground(keys)
        }
        return .refreshAndWait
    }

    /// The loaded keys, unless they are stale past ``Policy/maxStale`` (then `nil`: verification
    /// fails closed rather than trusting keys the issuer may have withdrawn long ago).
    func usableKeys(now: Date) -> KeySet? {
        guard let keys, now < freshUntil.adding(policy.maxStale) else { return nil }
        return keys
    }

    /// `true` when `kid` was looked for recently and the issuer did not have it.
    func isKnownUnknown(_ kid: String, now: Date) -> Bool {
        guard let until = unknownKeyIDs[kid] else { return false }
        return now < until
    }

    /// `true` when an unknown `kid` may cause a fetch: no other unknown `kid` caused one within
    /// the cooldown, and no failure asks to wait.
    func mayFetchForUnknownKeyID(now: Date) -> Bool {
        if let lastUnknownKeyIDFetch, now < lastUnknownKeyIDFetch.adding(policy.unknownKeyIDCooldown) { return false }
        return now >= retryNotBefore
    }

    /// A fetch starts at `now`; `forUnknownKeyID` when a token's unknown `kid` caused it.
    mutating func fetchStarted(now: Date, forUnknownKeyID: Bool = false) {
        lastAttempt = now
        if forUnknownKeyID { lastUnknownKeyIDFetch = now }
    }

    /// A new key set arrived (200).
    mutating func loaded(_ set: JWKSet, etag: String?, cacheControl: String?, now: Date) {
        keys = set.keySet
        skipped = set.skipped
        self.etag = EntityTag.validated(etag)
        succeeded(cacheControl: cacheControl, now: now)
        unknownKeyIDs = unknownKeyIDs.filter { now < $0.value }
    }

    /// The issuer confirmed the held set (304); it may send a new validator.
    mutating func notModified(etag: String?, cacheControl: String?, now: Date) {
        if let etag = EntityTag.validated(etag) { self.etag = etag }
        succeeded(cacheControl: cacheControl, now: now)
    }

    /// The fetch failed: the held keys stay (stale-if-error), the next attempt waits.
    mutating func failed(_ error: VerifierError, now: Date) {
        lastError = error
        retryNotBefore = now.adding(policy.retryInterval)
    }

    /// `kid` was still unknown after asking the issuer: refuse it without asking again for a
    /// cooldown.
    mutating func rememberUnknown(_ kid: String, now: Date) {
        if unknownKeyIDs.count >= policy.maxUnknownKeyIDs {
            unknownKeyIDs = unknownKeyIDs.filter { now < $0.value }
            if unknownKeyIDs.count >= policy.maxUnknownKeyIDs { unknownKeyIDs.removeAll(keepingCapacity: true) }
        }
        unknownKeyIDs[kid] = now.adding(policy.unknownKeyIDCooldown)
    }

    /// How many refused `kid`s are remembered.
    var unknownKeyIDCount: Int { unknownKeyIDs.count }

    private mutating func succeeded(cacheControl: String?, now: Date) {
        freshUntil = now.adding(policy.lifetime.freshness(cacheControl: cacheControl))
        lastError = nil
        retryNotBefore = .distantPast
    }
}
