import BenchSupport
import FastAuth
import JWTKit

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// A plain loop over one operation, for profilers and quick A/B checks:
//   fastauth-profile ALG OP [SECONDS]
// ALG: HS256 RS256 PS256 ES256 EdDSA. OP: issue verify refresh refresh-verify jwtkit-sign
// jwtkit-verify signer-sign signer-verify direct-sign direct-verify sizes, and for the
// resource-server verifier (asymmetric ALG only; a pool of 1024 distinct tokens, cycled):
//   remote-verify   RemoteTokenVerifier.verify with a warm key cache (one JWKS fetch before
//                   timing, checked to be still 1 after it)
//   pool-verify     TokenService.verifyAccessToken over the same pool
//   export-verifier DIR: writes DIR/ALG.jwks.json and DIR/ALG.tokens (one token a line) for
//                   scripts/pyjwt_jwks.py, then exits
// Prints the operations per second over the run (one thread), both per wall-clock second and
// per second of CPU time the process used (CLOCK_PROCESS_CPUTIME_ID): on a shared, loaded
// machine the second is the per-core rate, as `openssl speed` (user CPU time) reports it.

@inline(never) func consume<T>(_ value: T) { withExtendedLifetime(value) {} }

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: fastauth-profile ALG OP [SECONDS]")
    exit(2)
}
let algorithm = SigningAlgorithm(arguments[1])
let operation = arguments[2]
// "200000x" runs exactly that many operations (for callgrind); a plain number is seconds.
let iterations = arguments.count > 3 && arguments[3].hasSuffix("x") ? Int(arguments[3].dropLast()) : nil
let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 3 : 3
let verifierOperations: Set<String> = ["remote-verify", "pool-verify", "export-verifier"]
if verifierOperations.contains(operation) {
    try await runVerifier()
    exit(0)
}
let fixture = try await AlgorithmFixture.make(algorithm)
var header = JWTHeader()
header.typ = "JWT"

func once() async throws {
    switch operation {
    case "issue": consume(try await fixture.service.issueAccessToken(for: fixture.user, sessionID: fixture.sessionID))
    case "verify": consume(try fixture.service.verifyAccessToken(fixture.accessToken))
    case "refresh":
        consume(try await fixture.service.issueRefreshToken(for: fixture.user, sessionID: fixture.sessionID))
    case "refresh-verify": consume(try fixture.service.verifyRefreshToken(fixture.refreshToken))
    case "jwtkit-sign":
        consume(try await fixture.collection.sign(fixture.jwtKitClaims, kid: fixture.kid, header: header))
    case "jwtkit-verify": consume(try await fixture.collection.verify(fixture.jwtKitToken, as: JWTKitAccessClaims.self))
    case "signer-sign": consume(try fixture.jwtKitSigner.sign(fixture.signingInput))
    case "signer-verify": consume(try fixture.jwtKitSigner.verify(fixture.signature, signs: fixture.signingInput))
    case "direct-sign": consume(try fixture.direct.sign(fixture.signingInput))
    case "direct-verify": consume(try fixture.direct.verify(fixture.signature, signs: fixture.signingInput))
    case "sizes":
        print(
            "\(algorithm) access token \(fixture.accessToken.utf8.count) bytes, refresh token \(fixture.refreshToken.utf8.count) bytes, jwt-kit token \(fixture.jwtKitToken.utf8.count) bytes"
        )
        exit(0)
    default:
        print("unknown operation \(operation)")
        exit(2)
    }
}

/// The whole loop runs in one nonisolated async function, so calling `once()` never hops
/// between the main actor and the global executor (a thread switch per operation).
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func run() async throws -> (count: Int, elapsed: Duration, cpu: Double) {
    let clock = ContinuousClock()
    if let iterations {
        let start = clock.now
        let cpuStart = processCPUSeconds()
        for _ in 0..<iterations { try await once() }
        return (iterations, start.duration(to: clock.now), processCPUSeconds() - cpuStart)
    }
    for _ in 0..<100 { try await once() }
    let start = clock.now
    let cpuStart = processCPUSeconds()
    let deadline = start + .milliseconds(Int(seconds * 1000))
    var count = 0
    while clock.now < deadline {
        for _ in 0..<64 { try await once() }
        count += 64
    }
    return (count, start.duration(to: clock.now), processCPUSeconds() - cpuStart)
}

let (count, elapsed, cpu) = try await run()
let perSecond = Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
let perCPUSecond = Double(count) / cpu
print(
    "\(algorithm) \(operation): \(Int(perSecond.rounded())) ops/s (\(count) ops) cpu: \(Int(perCPUSecond.rounded())) ops/cpu-s"
)

// MARK: The resource-server verifier over a pool of distinct tokens

func runVerifier() async throws {
    let fixture = try await VerifierFixture.make(algorithm)
    if operation == "export-verifier" {
        let directory = arguments.count > 3 ? arguments[3] : "."
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let base = directory + "/" + algorithm.rawValue
        try Data(fixture.jwks).write(to: URL(fileURLWithPath: base + ".jwks.json"))
        try Data((fixture.tokens.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: base + ".tokens"))
        print("\(algorithm) wrote \(fixture.tokens.count) tokens to \(base).tokens, JWKS to \(base).jwks.json")
        return
    }
    let tokens = fixture.tokens
    let verifier = fixture.verifier
    let service = fixture.service
    let remote = operation == "remote-verify"
    // One nonisolated loop, as run() above; `i` cycles through the pool.
    func loop(_ count: Int, from start: Int) async throws {
        var index = start % tokens.count
        for _ in 0..<count {
            if remote {
                consume(try await verifier.verify(tokens[index]))
            } else {
                consume(try service.verifyAccessToken(tokens[index]))
            }
            index += 1
            if index == tokens.count { index = 0 }
        }
    }
    let clock = ContinuousClock()
    var count = 0
    let start: ContinuousClock.Instant
    let cpuStart: Double
    if let iterations {
        start = clock.now
        cpuStart = processCPUSeconds()
        try await loop(iterations, from: 0)
        count = iterations
    } else {
        try await loop(100, from: 0)
        start = clock.now
        cpuStart = processCPUSeconds()
        let deadline = start + .milliseconds(Int(seconds * 1000))
        while clock.now < deadline {
            try await loop(64, from: count)
            count += 64
        }
    }
    let elapsed = start.duration(to: clock.now)
    let cpu = processCPUSeconds() - cpuStart
    try fixture.checkWarm()
    let perSecond =
        Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    print(
        "\(algorithm) \(operation): \(Int(perSecond.rounded())) ops/s (\(count) ops) cpu: \(Int((Double(count) / cpu).rounded())) ops/cpu-s"
            + " pool: \(tokens.count) distinct tokens, jwks fetches: \(fixture.fetcher.fetches)")
}
