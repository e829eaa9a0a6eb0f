// The header values FastAuth interprets: `Cache-Control` and `ETag` of a JWKS response (the
// verifier), `Authorization: Bearer`, and the CSRF double-submit pair of cookie delivery. The
// input is split at its first NUL into two values, so the CSRF check also sees header and
// cookie that differ.
import FastAuth
import FastAuthVerifier
import FuzzSupport

enum Fixture {
    static let lifetime = CacheLifetime(minimum: .seconds(60), maximum: .seconds(86_400), fallback: .seconds(300))
    static let csrf = CSRFTokens(secret: "fuzzing-secret-fuzzing-secret-fuzzing")
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let text = String(decoding: input, as: UTF8.self)

    let freshness = Fixture.lifetime.freshness(cacheControl: text)
    require(
        freshness >= Fixture.lifetime.minimum && freshness <= Fixture.lifetime.maximum,
        "a Cache-Control value escaped the clamp")
    if let maxAge = CacheLifetime.maxAge(text) { require(maxAge >= .zero, "a negative max-age") }

    if let tag = EntityTag.validated(text) {
        require(tag.utf8.count <= EntityTag.maxBytes, "an over-long ETag was kept")
        require(EntityTag.validated(tag) == tag, "a kept ETag does not validate again")
    }

    if let token = AuthorizationHeader.bearerToken(text) {
        require(!token.isEmpty, "an empty bearer token")
    }

    let parts = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
    let header = parts.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
    let cookie = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : header
    if Fixture.csrf.isValid(header: header, cookie: cookie) {
        require(header == cookie, "a CSRF header that differs from its cookie was accepted")
    }
    let made = Fixture.csrf.make()
    require(Fixture.csrf.isValid(header: made, cookie: made), "a fresh CSRF token does not verify")
    return 0
}

runFuzzer(fuzzOne)
