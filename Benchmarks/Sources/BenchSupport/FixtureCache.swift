public import FastAuth
import Synchronization

/// Fixtures built once per process (an RSA key takes ~0.1 s to generate), shared by every
/// benchmark of an algorithm.
public final class FixtureCache: Sendable {
    public static let shared = FixtureCache()
    private let fixtures = Mutex<[SigningAlgorithm: AlgorithmFixture]>([:])

    /// Builds the fixture for `algorithm` unless it exists.
    public func prepare(_ algorithm: SigningAlgorithm) async throws {
        if fixtures.withLock({ $0[algorithm] }) != nil { return }
        let fixture = try await AlgorithmFixture.make(algorithm)
        fixtures.withLock { $0[algorithm] = $0[algorithm] ?? fixture }
    }

    /// The fixture for `algorithm`; ``prepare(_:)`` must have run.
    public func fixture(_ algorithm: SigningAlgorithm) throws -> AlgorithmFixture {
        guard let fixture = fixtures.withLock({ $0[algorithm] }) else {
            throw FixtureError("fixture for \(algorithm) not prepared")
        }
        return fixture
    }
}
