import FastAuth
import Foundation
import Testing

/// C2SP Wycheproof `json_web_{signature,key,crypto}_test.json`, run through FastAuth's own JWK/JWKS
/// import and `TokenVerifier.verifyJWS`: a case must be accepted exactly when it is labelled `valid`.
@Suite("Wycheproof JWS and JWK vectors", .enabled(if: Vectors.enabled, Vectors.skipMessage))
struct WycheproofTests {
    /// One labelled case.
    struct Case {
        let tcId: Int
        let comment: String
        let group: String
        let jws: String?
        let result: String
        let keyJSON: [String: Any]
    }

    /// What a file's run came to.
    struct Tally: CustomStringConvertible {
        var run = 0
        var accepted = 0
        var rejected = 0
        var skipped = 0
        var jweSkipped = 0
        var acceptable = 0
        var mismatches: [String] = []

        var description: String {
            "\(run) run (\(accepted) accepted, \(rejected) rejected), \(skipped) skipped by the quirk list, "
                + "\(jweSkipped) JWE skipped, \(acceptable) acceptable"
        }
    }

    /// Upstream label problems (README "Upstream data problems"), each backed by a computation in
    /// `check_with_python.py`'s `check_quirk_evidence`: tcId → (current label, reason).
    static let skipList: [Int: (label: String, reason: String)] = [
        346: (
            "valid",
            "RFC 7520 Figure 20 is a PS384 JWS but Wycheproof pinned the key to PS256; it verifies only with alg PS384"
        ),
        350: ("valid", "same as 346 (rfc7520WithKeyOps variant)"),
        367: ("invalid", "byte-identical to tcId 357, which is labelled valid (C2SP/wycheproof#236)"),
        370: ("invalid", "byte-identical to tcId 357, which is labelled valid (C2SP/wycheproof#236)"),
        372: (
            "valid",
            "a '?' inside the header segment; the MAC matches only after deleting it, and RFC 7515 §2 forbids it"
        ),
        373: ("valid", "a '?' inside the payload segment; same as 372"),
    ]

    /// The cases of a Wycheproof file and its `numberOfTests`.
    static func load(_ name: String) throws -> (numberOfTests: Int, cases: [Case]) {
        let file = try Vectors.object("wycheproof/\(name)")
        let numberOfTests = try #require(file["numberOfTests"] as? Int, "\(name) has no numberOfTests")
        let groups = try #require(file["testGroups"] as? [[String: Any]], "\(name) has no testGroups")
        var cases: [Case] = []
        for group in groups {
            let keyJSON = try #require(
                (group["public"] ?? group["private"]) as? [String: Any], "\(name): a group has no key")
            let tests = try #require(group["tests"] as? [[String: Any]], "\(name): a group has no tests")
            for test in tests {
                cases.append(
                    Case(
                        tcId: try #require(test["tcId"] as? Int), comment: test["comment"] as? String ?? "",
                        group: group["comment"] as? String ?? "", jws: try jwsText(test["jws"]),
                        result: try #require(test["result"] as? String), keyJSON: keyJSON))
            }
        }
        return (numberOfTests, cases)
    }

    /// A case's `jws` as the text a verifier receives. One case (json_web_crypto_test tcId 17)
    /// holds a JWS JSON serialization as a JSON object; it is passed on as its JSON text, which a
    /// compact-only verifier must reject. `nil` when the case has no `jws` (a JWE case).
    static func jwsText(_ value: Any?) throws -> String? {
        switch value {
        case nil: return nil
        case let text as String: return text
        case let object as [String: Any]: return String(decoding: try Harness.jsonBytes(object), as: UTF8.self)
        default: throw Vectors.Missing(description: "a case's jws is neither a string nor a JSON object")
        }
    }

    /// Runs every JWS case of `name` (minus `skip`), collecting label mismatches.
    static func run(_ name: String, skip: [Int: (label: String, reason: String)] = [:]) async throws -> Tally {
        let (numberOfTests, cases) = try load(name)
        #expect(
            cases.count == numberOfTests, "\(name): \(cases.count) cases loaded, numberOfTests says \(numberOfTests)")
        var tally = Tally()
        for testCase in cases {
            guard let jws = testCase.jws else {
                tally.jweSkipped += 1
                continue
            }
            if skip[testCase.tcId] != nil {
                tally.skipped += 1
                continue
            }
            tally.run += 1
            let outcome = await Harness.verify(jws, keyJSON: testCase.keyJSON)
            if outcome.accepted { tally.accepted += 1 } else { tally.rejected += 1 }
            switch testCase.result {
            case "acceptable":
                tally.acceptable += 1
            case "valid" where outcome.accepted, "invalid" where !outcome.accepted:
                break
            default:
                tally.mismatches.append(
                    "tcId \(testCase.tcId) [\(testCase.group)] \(testCase.comment): expected \(testCase.result), got \(outcome)"
                )
            }
        }
        print("Wycheproof \(name): \(tally)")
        return tally
    }

    static func expectNoMismatches(_ tally: Tally, in name: String) {
        #expect(
            tally.mismatches.isEmpty,
            "\(name): \(tally.mismatches.count) case(s) disagree with their label:\n\(tally.mismatches.joined(separator: "\n"))"
        )
    }

    @Test("json_web_signature_test.json: each of the 395 runnable JWS cases is accepted exactly when labelled valid")
    func signatureFile() async throws {
        let tally = try await Self.run("json_web_signature_test.json", skip: Self.skipList)
        Self.expectNoMismatches(tally, in: "json_web_signature_test.json")
        #expect(tally.run + tally.skipped == 401)
        #expect(tally.run == 395)
        #expect(tally.skipped == Self.skipList.count)
        #expect(tally.jweSkipped == 0)
    }

    @Test(
        "json_web_key_test.json: each of the 26 key and key-set hygiene cases is accepted exactly when labelled valid")
    func keyFile() async throws {
        let tally = try await Self.run("json_web_key_test.json")
        Self.expectNoMismatches(tally, in: "json_web_key_test.json")
        #expect(tally.run == 26)
        #expect(tally.skipped == 0 && tally.jweSkipped == 0)
    }

    @Test(
        "json_web_crypto_test.json: each of the 49 JWS cases is accepted exactly when labelled valid; the 34 JWE cases are out of scope"
    )
    func cryptoFile() async throws {
        let tally = try await Self.run("json_web_crypto_test.json")
        Self.expectNoMismatches(tally, in: "json_web_crypto_test.json")
        #expect(tally.run == 49)
        #expect(tally.jweSkipped == 34)
        #expect(tally.skipped == 0)
    }

    @Test("every skipped case still exists upstream with the label it was skipped for")
    func skipListIsCurrent() throws {
        let (_, cases) = try Self.load("json_web_signature_test.json")
        for (tcId, entry) in Self.skipList.sorted(by: { $0.key < $1.key }) {
            let matches = cases.filter { $0.tcId == tcId }
            #expect(matches.count == 1, "tcId \(tcId) should exist exactly once (skipped: \(entry.reason))")
            if let found = matches.first {
                #expect(
                    found.result == entry.label,
                    "tcId \(tcId) is now labelled \(found.result), not \(entry.label): upstream may have fixed it, review the skip (\(entry.reason))"
                )
            }
        }
        // 367 and 370 are skipped because they are byte-identical to 357, which is labelled valid.
        let jws = { (id: Int) in cases.first(where: { $0.tcId == id })?.jws }
        #expect(jws(357) != nil && jws(357) == jws(367) && jws(357) == jws(370))
        #expect(cases.first(where: { $0.tcId == 357 })?.result == "valid")
    }

    @Test(
        "the skipped cases get the reference verifier's answer (346/350 and 372/373 rejected, 367/370 accepted like 357)"
    )
    func skippedCasesFollowTheReferenceVerifier() async throws {
        let (_, cases) = try Self.load("json_web_signature_test.json")
        let referenceAccepts: [Int: Bool] = [346: false, 350: false, 367: true, 370: true, 372: false, 373: false]
        for (tcId, expected) in referenceAccepts.sorted(by: { $0.key < $1.key }) {
            let testCase = try #require(cases.first(where: { $0.tcId == tcId }))
            let outcome = await Harness.verify(try #require(testCase.jws), keyJSON: testCase.keyJSON)
            #expect(
                outcome.accepted == expected,
                "tcId \(tcId): got \(outcome), the reference verifier says \(expected ? "accept" : "reject")")
        }
        // 346/350: the RFC 7520 Figure 20 JWS verifies when the key is pinned to PS384, its real algorithm.
        for tcId in [346, 350] {
            let testCase = try #require(cases.first(where: { $0.tcId == tcId }))
            var key = testCase.keyJSON
            key["alg"] = "PS384"
            let outcome = await Harness.verify(try #require(testCase.jws), keyJSON: key)
            #expect(outcome.accepted, "tcId \(tcId) with the key pinned to PS384: \(outcome)")
        }
    }
}
