import BenchSupport
import Benchmark
import FastAuth
import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// Token throughput, one algorithm at a time, all on one thread. Every benchmark has the form
// "<ALG> <subject> <operation>"; the throughput metric (operations per second) is what
// docs/PERFORMANCE.md reports (its p50 is the median over per-operation samples).
//
// - FastAuth issue access:   TokenService.issueAccessToken (fresh cuid2 jti, no-op hooks,
//                            system clock), the full public path.
// - FastAuth verify access:  TokenService.verifyAccessToken, every verification rule.
// - FastAuth issue refresh:  TokenService.issueRefreshToken (always HS256 with the derived
//                            key, whatever the access algorithm).
// - jwt-kit sign / verify:   JWTKeyCollection.sign / verify with a JWTPayload carrying the
//                            same claims: jwt-kit's generic Codable + JSONEncoder path.
// - jwt-kit signer sign/verify: the JWTAlgorithm returned by JWTKeyCollection.getKey on the
//                            exact signing input FastAuth produced (the primitive as jwt-kit
//                            wraps it).
// - swift-crypto sign/verify: swift-crypto called directly with a key parsed once.
// - verifier verify (warm cache): FastAuthVerifier's RemoteTokenVerifier.verify over a pool
//                            of 1024 distinct access tokens (fresh jti each), keys cached by
//                            one JWKS fetch before timing (checked to stay 1). RS256, ES256,
//                            EdDSA; "TokenService verify (token pool)" is the same pool
//                            through TokenService.verifyAccessToken, for comparison.
let benchmarks: @Sendable () -> Void = {
    let malloc = ProcessInfo.processInfo.environment["FASTAUTH_BENCH_MALLOC"] != nil
    let seconds = Int(ProcessInfo.processInfo.environment["FASTAUTH_BENCH_SECONDS"] ?? "") ?? 2
    Benchmark.defaultConfiguration = .init(
        metrics: malloc ? [.throughput, .mallocCountTotal] : [.throughput],
        warmupIterations: 20,
        maxDuration: .seconds(seconds),
        maxIterations: 10_000_000
    )

    for algorithm in benchmarkAlgorithms {
        let name = algorithm.rawValue
        let setup: Benchmark.BenchmarkSetupHook = { try await FixtureCache.shared.prepare(algorithm) }
        // One sample = 1000 operations (the runner starts a Task per sample for async
        // benchmarks; per-operation samples would measure a cold start each time), except
        // RSA private-key operations (~0.3-1 ms each), which are sampled one by one.
        let fast = Benchmark.Configuration(scalingFactor: .kilo, setup: setup)
        let rsaSign = algorithm.rawValue.hasPrefix("RS") || algorithm.rawValue.hasPrefix("PS")
        let sign = rsaSign ? Benchmark.Configuration(scalingFactor: .one, setup: setup) : fast

        Benchmark("\(name) FastAuth issue access", configuration: sign) { benchmark in
            let f = try FixtureCache.shared.fixture(algorithm)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await f.service.issueAccessToken(for: f.user, sessionID: f.sessionID))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("\(name) FastAuth verify access", configuration: fast) { benchmark in
            let f = try FixtureCache.shared.fixture(algorithm)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try f.service.verifyAccessToken(f.accessToken))
            }
            benchmark.stopMeasurement()
        }
        if algorithm == .hs256 {
            // Refresh tokens are HS256 with the derived key in every configuration.
            Benchmark("\(name) FastAuth issue refresh", configuration: fast) { benchmark in
                let f = try FixtureCache.shared.fixture(algorithm)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(try await f.service.issueRefreshToken(for: f.user, sessionID: f.sessionID))
                }
                benchmark.stopMeasurement()
            }
            Benchmark("\(name) FastAuth verify refresh", configuration: fast) { benchmark in
                let f = try FixtureCache.shared.fixture(algorithm)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(try f.service.verifyRefreshToken(f.refreshToken))
                }
                benchmark.stopMeasurement()
            }
        }
        Benchmark("\(name) jwt-kit sign", configuration: sign) { benchmark in
            let f = try FixtureCache.shared.fixture(algorithm)
            var header = JWTHeader()
            header.typ = "JWT"
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await f.collection.sign(f.jwtKitClaims, kid: f.kid, header: header))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("\(name) jwt-kit verify", configuration: fast) { benchmark in
            let f = try FixtureCache.shared.fixture(algorithm)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await f.collection.verify(f.jwtKitToken, as: JWTKitAccessClaims.self))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("\(name) jwt-kit signer sign", configuration: sign) { benchmark in
            let f = try FixtureCache.shared.fixture(algorithm)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try f.jwtKitSigner.sign(f.signingInput))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("\(name) jwt-kit signer verify", configuration: fast) { benchmark in
            let f = try FixtureCache.shared.fixture(algorithm)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try f.jwtKitSigner.verify(f.signature, signs: f.signingInput))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("\(name) swift-crypto sign", configuration: sign) { benchmark in
            let f = try FixtureCache.shared.fixture(algorithm)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try f.direct.sign(f.signingInput))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("\(name) swift-crypto verify", configuration: fast) { benchmark in
            let f = try FixtureCache.shared.fixture(algorithm)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try f.direct.verify(f.signature, signs: f.signingInput))
            }
            benchmark.stopMeasurement()
        }
    }

    // The resource-server verifier (FastAuthVerifier) with a warm key cache.
    for algorithm in verifierBenchmarkAlgorithms {
        let name = algorithm.rawValue
        let pool = Benchmark.Configuration(
            scalingFactor: .kilo, setup: { try await VerifierFixtureCache.shared.prepare(algorithm) })
        Benchmark("\(name) verifier verify (warm cache)", configuration: pool) { benchmark in
            let f = try VerifierFixtureCache.shared.fixture(algorithm)
            let tokens = f.tokens
            var index = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try await f.verifier.verify(tokens[index]))
                index += 1
                if index == tokens.count { index = 0 }
            }
            benchmark.stopMeasurement()
            try f.checkWarm()
        }
        Benchmark("\(name) TokenService verify (token pool)", configuration: pool) { benchmark in
            let f = try VerifierFixtureCache.shared.fixture(algorithm)
            let tokens = f.tokens
            var index = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try f.service.verifyAccessToken(tokens[index]))
                index += 1
                if index == tokens.count { index = 0 }
            }
            benchmark.stopMeasurement()
        }
    }
}
