import FastAuth
import Foundation
import Testing

@testable import FastAuthVerifier

@Suite("KeyCache decides, given the time")
struct KeyCacheTests {
    let start = Date(timeIntervalSince1970: 1_767_225_600)
    let policy = KeyCache.Policy(
        lifetime: CacheLifetime(minimum: .seconds(60), maximum: .seconds(86_400), fallback: .seconds(300)),
        unknownKeyIDCooldown: .seconds(30), retryInterval: .seconds(10), maxUnknownKeyIDs: 4)

    func emptySet() async throws -> JWKSet { try JWKSet(json: Array(#"{"keys":[]}"#.utf8), strict: false) }

    @Test("Cache-Control max-age is read and clamped")
    func lifetime() {
        let lifetime = policy.lifetime
        #expect(lifetime.freshness(cacheControl: "public, max-age=600") == .seconds(600))
        #expect(lifetime.freshness(cacheControl: "max-age=1") == .seconds(60))
        #expect(lifetime.freshness(cacheControl: "max-age=99999999999999999999999") == .seconds(86_400))
        #expect(lifetime.freshness(cacheControl: "no-cache, max-age=600") == .seconds(60))
        #expect(lifetime.freshness(cacheControl: "max-age=-5") == .seconds(300))
        #expect(lifetime.freshness(cacheControl: "max-age=") == .seconds(300))
        #expect(lifetime.freshness(cacheControl: "s-maxage=600") == .seconds(300))
        #expect(lifetime.freshness(cacheControl: nil) == .seconds(300))
        #expect(lifetime.freshness(cacheControl: " Max-Age = 120 ") == .seconds(120))
    }

    @Test(
        "a Cache-Control of bare separators or empty directives is read without trapping (the fallback applies)",
        arguments: ["=", "==", " = ", ",=,", "=,max-age", "=5", ", , ,", "max-age==5", "\"\"=\"\""])
    func degenerateCacheControl(_ value: String) {
        #expect(CacheLifetime.maxAge(value) == nil)
        #expect(policy.lifetime.freshness(cacheControl: value) == .seconds(300))
    }

    @Test("only a valid entity tag is kept and sent back as If-None-Match")
    func entityTags() async throws {
        for valid in ["\"v1\"", "W/\"67ab43\"", "\"\"", " \"x\" ", "\"caf\u{E9}\""] {
            #expect(EntityTag.validated(valid) != nil, "\(valid)")
        }
        for invalid in [
            "v1", "\"v1", "W/v1", "\"a\"b\"", "\"a b\"", "\"a\u{7F}\"", "\"\r\n\"", "w/\"x\"",
            "\"" + String(repeating: "a", count: EntityTag.maxBytes) + "\"",
        ] {
            #expect(EntityTag.validated(invalid) == nil, "\(invalid)")
        }
        var cache = KeyCache(policy: policy)
        cache.loaded(try await emptySet(), etag: "not quoted", cacheControl: nil, now: start)
        #expect(cache.etag == nil)
        cache.notModified(etag: "W/\"v2\"", cacheControl: nil, now: start)
        #expect(cache.etag == "W/\"v2\"")
        cache.notModified(etag: "garbage", cacheControl: nil, now: start)
        #expect(cache.etag == "W/\"v2\"")
    }

    @Test("an empty directive beside a real one does not hide the real one")
    func emptyDirectiveBesideMaxAge() {
        #expect(CacheLifetime.maxAge("=, max-age=600") == .seconds(600))
        #expect(CacheLifetime.maxAge("max-age=600, =") == .seconds(600))
        #expect(CacheLifetime.maxAge("=, no-store") == .zero)
    }

    @Test("a cold cache fetches and waits; a failure blocks retries for the retry interval")
    func cold() async throws {
        var cache = KeyCache(policy: policy)
        guard case .refreshAndWait = cache.plan(now: start) else {
            Issue.record("expected a fetch")
            return
        }
        cache.fetchStarted(now: start)
        cache.failed(VerifierError(.fetchFailed, "down"), now: start)
        guard case .unavailable(let error) = cache.plan(now: start.addingTimeInterval(9)) else {
            Issue.record("expected unavailable")
            return
        }
        #expect(error?.code == .fetchFailed)
        guard case .refreshAndWait = cache.plan(now: start.addingTimeInterval(10)) else {
            Issue.record("expected a retry")
            return
        }
    }

    @Test("fresh keys are used, stale ones refreshed; after a failure, used while retrying in the background")
    func warm() async throws {
        var cache = KeyCache(policy: policy)
        cache.fetchStarted(now: start)
        cache.loaded(try await emptySet(), etag: "\"a\"", cacheControl: "max-age=100", now: start)
        guard case .use = cache.plan(now: start.addingTimeInterval(99)) else {
            Issue.record("expected fresh")
            return
        }
        guard case .refreshAndWait = cache.plan(now: start.addingTimeInterval(100)) else {
            Issue.record("expected stale")
            return
        }

        cache.fetchStarted(now: start.addingTimeInterval(100))
        cache.failed(VerifierError(.fetchFailed, "down"), now: start.addingTimeInterval(100))
        guard case .use = cache.plan(now: start.addingTimeInterval(109)) else {
            Issue.record("expected stale-if-error")
            return
        }
        guard case .refreshInBackground = cache.plan(now: start.addingTimeInterval(110)) else {
            Issue.record("expected a background retry")
            return
        }
        cache.notModified(etag: nil, cacheControl: "max-age=100", now: start.addingTimeInterval(110))
        #expect(cache.etag == "\"a\"")
        #expect(cache.lastError == nil)
        guard case .use = cache.plan(now: start.addingTimeInterval(209)) else {
            Issue.record("expected fresh")
            return
        }
    }

    @Test("unknown kids: one fetch per cooldown, remembered for it, memory bounded")
    func unknownKeyIDs() async throws {
        var cache = KeyCache(policy: policy)
        cache.fetchStarted(now: start)
        cache.loaded(try await emptySet(), etag: nil, cacheControl: nil, now: start)
        // A scheduled fetch does not hold back the first unknown-kid fetch …
        #expect(cache.mayFetchForUnknownKeyID(now: start))
        // … but an unknown-kid fetch holds back the next one for the cooldown.
        cache.fetchStarted(now: start, forUnknownKeyID: true)
        #expect(!cache.mayFetchForUnknownKeyID(now: start.addingTimeInterval(29)))
        #expect(cache.mayFetchForUnknownKeyID(now: start.addingTimeInterval(30)))

        let later = start.addingTimeInterval(30)
        cache.fetchStarted(now: later, forUnknownKeyID: true)
        cache.rememberUnknown("x", now: later)
        #expect(cache.isKnownUnknown("x", now: later.addingTimeInterval(29)))
        #expect(!cache.isKnownUnknown("x", now: later.addingTimeInterval(30)))
        #expect(!cache.isKnownUnknown("y", now: later))

        for index in 0..<100 { cache.rememberUnknown("k\(index)", now: later) }
        #expect(cache.unknownKeyIDCount <= 4)

        // A failed fetch also holds unknown-kid fetches back for the retry interval.
        let failedAt = later.addingTimeInterval(100)
        cache.fetchStarted(now: failedAt.addingTimeInterval(-40))
        cache.failed(VerifierError(.fetchFailed, "down"), now: failedAt)
        #expect(!cache.mayFetchForUnknownKeyID(now: failedAt.addingTimeInterval(9)))
        #expect(cache.mayFetchForUnknownKeyID(now: failedAt.addingTimeInterval(10)))
    }
}
