import FastAuth
import FastAuthTesting
import Foundation
import Testing

/// The Python packages the end-to-end scripts import (`Tests/E2E/*.py`). Where they are missing the
/// suites that need them are skipped with the `pip install` line; `FASTAUTH_REQUIRE_INTEROP=1`
/// (CI) makes their absence a failure instead.
enum E2EPython {
    static let required = ProcessInfo.processInfo.environment["FASTAUTH_REQUIRE_INTEROP"] == "1"
    static let installLine = "python3 -m pip install pyjwt joserfc cryptography"

    /// `true` when `python3 -c "import jwt, joserfc, cryptography"` succeeds.
    static let available = succeeds("import jwt, joserfc, cryptography")

    /// `true` when `python3 -c code` exits 0. Evaluated before any test runs (in the suites'
    /// traits): a short blocking check is fine there.
    static func succeeds(_ code: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", code]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// oidc-provider-mock (a real OpenID Connect provider, for the social sign-in suite).
    static let oidcInstallLine = "python3 -m pip install oidc-provider-mock"
    static let oidcAvailable = succeeds("import oidc_provider_mock, uvicorn")
    static let oidcEnabled = oidcAvailable || required
    static let oidcSkipMessage = Comment(
        rawValue:
            "python3 with oidc-provider-mock not found (\(oidcInstallLine)); FASTAUTH_REQUIRE_INTEROP=1 makes this a failure"
    )

    static func requireOIDC() throws {
        try #require(oidcAvailable, "FASTAUTH_REQUIRE_INTEROP=1 but oidc-provider-mock is missing: \(oidcInstallLine)")
    }

    static let enabled = available || required
    static let skipMessage = Comment(
        rawValue: "python3 with PyJWT, joserfc and cryptography not found (\(installLine)); "
            + "FASTAUTH_REQUIRE_INTEROP=1 makes this a failure")

    /// Fails the test when the packages are missing (reachable only with FASTAUTH_REQUIRE_INTEROP=1).
    static func require() throws {
        try #require(available, "FASTAUTH_REQUIRE_INTEROP=1 but the Python packages are missing: \(installLine)")
    }

    /// Runs `script` with `arguments` and parses the JSON it prints; a script that prints none
    /// fails with its exit status and standard error. `needsPackages: false` for a script that
    /// uses the standard library only.
    static func run(
        _ script: String, _ arguments: [String], needsPackages: Bool = true
    ) async throws -> (output: JSONValue, stderr: String, status: Int32) {
        if needsPackages { try require() }
        // The servers these scripts start run beside the rest of the suite, which keeps every core
        // busy: at the default FASTAUTH_HASH_NICE their debug-build hashes (1.4 s each) would get a
        // third of a contended core and could time the scripts out. Priority is tested in
        // HashQueueTests and measured in Benchmarks/http/login_flood.sh.
        var environment = ProcessInfo.processInfo.environment
        environment["FASTAUTH_HASH_NICE"] = "0"
        let run = try await ChildProcess.run("/usr/bin/env", ["python3", script] + arguments, environment: environment)
        let parsed = try? JSONValue(parsing: Array(run.stdout))
        let output = try #require(
            parsed, "\(script) exited with \(run.status) and printed no JSON; its stderr:\n\(run.stderr)")
        return (output, run.stderr, run.status)
    }
}

/// Key rotation across processes: two `fastauth serve` instances share one PostgreSQL database
/// with fast managed-key rotation (Tests/E2E/multi_instance.py drives them). Runs where
/// `FASTAUTH_TEST_POSTGRES_URL` is set (CI).
@Suite("Two serve instances rotating keys on one PostgreSQL database")
struct MultiInstanceTests {
    static let postgresURL = ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"]

    /// The `fastauth` executable next to the test bundle (`swift build` puts it there).
    static var binary: String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates =
            [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("fastauth").path }
            + [
                URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                    "../../.build/debug/fastauth"
                ).standardized.path
            ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(
        "zero verification failures across instances and verifiers, one key per state, JWKS in agreement",
        .enabled(if: postgresURL != nil, "set FASTAUTH_TEST_POSTGRES_URL to run"),
        .enabled(if: E2EPython.enabled, E2EPython.skipMessage)
    )
    func rotationAcrossInstances() async throws {
        let binary = try #require(Self.binary, "build the fastauth executable first (swift build)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../E2E/multi_instance.py").standardized.path
        let run = try await E2EPython.run(
            script, ["--fastauth", binary, "--database-url", try #require(Self.postgresURL), "--seconds", "24"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = run.output
        let summary = result.jsonString
        #expect(result["failure_count"] == 0, "\(summary)")
        #expect((result["tokens"]?.intValue ?? 0) > 50, "\(summary)")
        #expect((result["distinct_kids"]?.intValue ?? 0) >= 4, "rotated fewer than 3 times: \(summary)")
        #expect(result["state_violations"]?.arrayValue?.isEmpty == true, "\(summary)")
        #expect((result["max_jwks_disagreement_seconds"]?.doubleValue ?? 99) <= 3, "\(summary)")
        #expect(result["exit_codes"] == [0, 0], "graceful shutdown: \(summary)")
    }
}

/// Restarting `fastauth serve` (SQLite file) loses nothing: Tests/E2E/restart.py.
@Suite("serve restarts")
struct RestartTests {
    @Test(
        "tokens issued before a restart verify after it and the JWKS kids are unchanged, in PEM and managed mode",
        arguments: ["vapor", "hummingbird"])
    func restart(adapter: String) async throws {
        let binary = try #require(MultiInstanceTests.binary, "build the fastauth executable first (swift build)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../E2E/restart.py").standardized.path
        let run = try await E2EPython.run(script, ["--fastauth", binary, "--adapter", adapter], needsPackages: false)
        let results = try #require(run.output.arrayValue, "\(run.stderr)")
        #expect(results.count == 2)
        for result in results {
            let summary = result.jsonString
            #expect(result["error"] == nil, "\(summary)")
            #expect(result["kids_before"] == result["kids_after"], "\(summary)")
            #expect(result["kids_before"]?.arrayValue?.isEmpty == false, "\(summary)")
            #expect(result["me_after_restart"] == 200, "\(summary)")
            #expect(result["refresh_after_restart"] == 200, "\(summary)")
            #expect(result["exit_codes"] == [0, 0], "\(summary)")
        }
    }
}

/// The microservice example end to end (Tests/E2E/microservice.py): both example services on
/// loopback, the resource service verifying through the JWKS only.
@Suite("The microservice example", .enabled(if: E2EPython.enabled, E2EPython.skipMessage))
struct MicroserviceExampleTests {
    @Test(
        "valid tokens pass; expired, refresh, other-audience and tampered tokens get 401; a rotation needs no restart")
    func example() async throws {
        let binary = try #require(MultiInstanceTests.binary, "build the executables first (swift build)")
        let directory = URL(fileURLWithPath: binary).deletingLastPathComponent().path
        try #require(
            FileManager.default.isExecutableFile(atPath: directory + "/jwt-resource-service"),
            "swift build builds the examples")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../E2E/microservice.py").standardized.path
        let run = try await E2EPython.run(script, ["--bin-dir", directory])
        let result = run.output
        let summary = result.jsonString
        #expect(result["error"] == nil, "\(summary) \(run.stderr)")
        #expect(result["valid"] == 200 && result["sub_matches"] == true, "\(summary)")
        #expect(
            result["cases"] == [
                "forged_control": 200, "expired": 401, "refresh_token": 401, "other_audience": 401, "tampered": 401,
                "garbage": 401,
            ], "\(summary)")
        #expect(result["no_token"] == 401)
        #expect(result["rotated_to_new_kid"] == true && result["after_rotation"] == 200, "\(summary)")
        #expect(result["exit_codes"] == [0, 0], "\(summary)")
    }
}
