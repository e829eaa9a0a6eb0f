import FastAuth
import Foundation
import Testing

/// Locating and reading the conformance vectors.
///
/// The vectors are other projects' files — Google/C2SP Wycheproof's JWS and JWK cases, the IETF
/// JOSE cookbook (RFC 7520) and the examples of RFC 7515, 7517 and 8037 — so they are not part of
/// this repository. The tests look for them in `FASTAUTH_VECTORS_DIR`, else at
/// `<package root>/../shared/vectors` (where the project's CI lays them out). Where neither
/// exists the suites that need them are skipped, with a message saying how to get them;
/// `FASTAUTH_REQUIRE_VECTORS=1` (CI) turns a missing set into a failure. Once the directory is
/// found, a missing file inside it is an error, never a skip: a loader bug must not pass silently.
enum Vectors {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// The package root: three levels up from this file (`<root>/Tests/FastAuthConformanceTests/`).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // <root>/Tests/FastAuthConformanceTests
        .deletingLastPathComponent()  // <root>/Tests
        .deletingLastPathComponent()  // <root>

    static let environment = ProcessInfo.processInfo.environment["FASTAUTH_VECTORS_DIR"].flatMap {
        $0.isEmpty ? nil : $0
    }

    /// Where the vectors are looked for: `FASTAUTH_VECTORS_DIR`, else `../shared/vectors`.
    static let location: URL =
        environment.map { URL(fileURLWithPath: $0, isDirectory: true) }
        ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors", isDirectory: true)

    /// `FASTAUTH_REQUIRE_VECTORS=1` (CI): a missing vector set fails the suites instead of skipping them.
    static let required = ProcessInfo.processInfo.environment["FASTAUTH_REQUIRE_VECTORS"] == "1"

    static let available: Bool = {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }()

    /// The suites run when the vectors are there, or when CI demands them (then they fail without them).
    static let enabled = available || required

    static let whatAndWhere =
        "the JOSE conformance vectors (Wycheproof JWS/JWK cases, the RFC 7520 JOSE cookbook, the RFC 7515/7517/8037 "
        + "examples; other projects' files, not in this repository) were not found at \(location.path)"
        + (environment == nil ? " (derived from the package root)" : " (FASTAUTH_VECTORS_DIR)")

    static let skipMessage = Comment(
        rawValue: whatAndWhere
            + ". Get them from C2SP/wycheproof (testvectors_v1/json_web_*.json) and ietf-jose/cookbook, laid out as "
            + "vectors/{wycheproof,cookbook,derived,...} (see Tests/FastAuthConformanceTests/VectorSupport.swift), "
            + "and set FASTAUTH_VECTORS_DIR to that folder; FASTAUTH_REQUIRE_VECTORS=1 makes their absence a failure")

    /// The vectors directory, checked to exist.
    static func directory() throws -> URL {
        guard available else {
            throw Missing(description: "FASTAUTH_REQUIRE_VECTORS=1 but " + whatAndWhere)
        }
        return location
    }

    /// The raw bytes of a vector file, by path relative to the vectors directory.
    static func data(_ relativePath: String) throws -> Data {
        let url = try directory().appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Missing(description: "vector file missing or unreadable: \(url.path)")
        }
        return data
    }

    /// A vector file parsed with Foundation's JSON parser (independent of FastAuth's).
    static func object(_ relativePath: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: data(relativePath))
        guard let object = value as? [String: Any] else {
            throw Missing(description: "\(relativePath) is not a JSON object")
        }
        return object
    }
}

/// What FastAuth did with a token.
enum Outcome: CustomStringConvertible {
    case accepted(payload: [UInt8])
    case rejected(String)

    var accepted: Bool {
        if case .accepted = self { true } else { false }
    }

    var payload: [UInt8]? {
        if case .accepted(let payload) = self { payload } else { nil }
    }

    var description: String {
        switch self {
        case .accepted: "accepted"
        case .rejected(let why): "rejected (\(why))"
        }
    }
}

/// The harness: every decision is FastAuth's own (JWK/JWKS import, key selection, algorithm
/// pinning, signature verification). The harness only re-encodes key JSON, applies the
/// documented `ES521` → `ES512` alias, and registers a single configured key under the token's
/// `kid` (a single key is "the application's key"; the reference verifier ignores `kid` for it).
enum Harness {
    /// Wycheproof spells RFC 7518's `ES512` as `ES521` on some keys (README "Upstream data problems").
    static let algorithmAliases = ["ES521": "ES512"]

    /// `key` with the alias applied to its `alg` (and to each key of a set).
    static func applyingAliases(_ key: [String: Any]) -> [String: Any] {
        func fix(_ jwk: [String: Any]) -> [String: Any] {
            var jwk = jwk
            if let alg = jwk["alg"] as? String, let alias = algorithmAliases[alg] { jwk["alg"] = alias }
            return jwk
        }
        if let keys = key["keys"] as? [Any] {
            var set = key
            set["keys"] = keys.map { ($0 as? [String: Any]).map(fix) ?? $0 }
            return set
        }
        return fix(key)
    }

    /// Serialises a JSON object to bytes (as an application would hold a JWK or JWKS document).
    static func jsonBytes(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// Parses JWK bytes with FastAuth's JSON parser into the members `SigningKey(jwk:)` takes.
    static func jwkMembers(_ object: [String: Any]) throws -> [String: JSONValue] {
        guard case .object(let members) = try JSONValue(parsing: jsonBytes(object)) else {
            throw Vectors.Missing(description: "the JWK is not a JSON object")
        }
        return members
    }

    /// The token header's `kid`, when the header decodes and has a string `kid`. Used only to
    /// register a single configured key under that id.
    static func headerKeyID(of token: String) -> String? {
        guard let segment = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let bytes = Base64URL.decode(String(segment)),
            let header = try? JSONValue(parsing: bytes)
        else { return nil }
        return header["kid"]?.stringValue
    }

    /// A key set holding one application key: the keyless key, and the same material under the
    /// token header's `kid` when it has one.
    static func singleKeySet(_ key: SigningKey, for token: String) async throws -> KeySet {
        var registered: [SigningKey] = []
        if let kid = headerKeyID(of: token) {
            registered.append(try SigningKey(material: key.material, id: KeyID(kid)))
        }
        return KeySet(signingKey: nil, verificationKeys: registered, keylessKey: key)
    }

    /// Imports `keyJSON` (a JWK or a JWKS) through FastAuth and verifies `token` with
    /// ``TokenVerifier/verifyJWS(_:keys:allowedAlgorithms:maxTokenBytes:)``, the algorithm pinned
    /// to the key (`algorithm` when given, else the key's `alg`). An import error is a rejection.
    static func verify(_ token: String, keyJSON: [String: Any], algorithm: SigningAlgorithm? = nil) async -> Outcome {
        let keys: KeySet
        do {
            let aliased = applyingAliases(keyJSON)
            if aliased["keys"] != nil {
                keys = try JWKSet(json: jsonBytes(aliased), strict: true).keySet
            } else {
                let key = try SigningKey(jwk: jwkMembers(aliased), algorithm: algorithm)
                keys = try await singleKeySet(key, for: token)
            }
        } catch {
            return .rejected("key import: \(error)")
        }
        let outcome = verify(token, keys: keys)
        await expectReferenceAgrees(with: outcome, token: token, keys: keys)
        return outcome
    }

    /// The two engines behind `JWSEngine` agree on every vector FastAuth accepts: jwt-kit (the
    /// reference engine) accepts it too, with the same payload. Where FastAuth rejects, it may be
    /// stricter than jwt-kit (canonical base64url, the algorithm pinned to the key, `crit`), so
    /// only the acceptances are compared.
    static func expectReferenceAgrees(
        with outcome: Outcome, token: String, keys: KeySet, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        guard case .accepted(let payload) = outcome else { return }
        do {
            let reference = try await JWTKitEngine(
                keys: Array(keys.verificationKeys.values), keyless: keys.keylessKey)
            let verified = try await reference.verify(token, allowedAlgorithms: nil)
            #expect(verified.payload == payload, "jwt-kit returned another payload", sourceLocation: sourceLocation)
        } catch {
            Issue.record("FastAuth accepted a token jwt-kit rejects: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Verifies `token` against `keys` with FastAuth's JWS-level verifier (no algorithm list: the
    /// algorithm is pinned to the selected key).
    static func verify(_ token: String, keys: KeySet) -> Outcome {
        do {
            let result = try TokenVerifier.verifyJWS(token, keys: keys, allowedAlgorithms: nil)
            return .accepted(payload: result.payload)
        } catch {
            return .rejected("\(error)")
        }
    }
}

/// Strict base64url decoding for test data (vectors are canonical; a failure is a harness bug).
func base64URL(_ string: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
    try #require(Base64URL.decode(string), "not base64url: \(string.prefix(40))", sourceLocation: sourceLocation)
}
