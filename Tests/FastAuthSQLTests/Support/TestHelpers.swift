import FastAuth

extension Result where Failure == any Error {
    /// The outcome of `body`, so cleanup can run before a failure is rethrown.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

extension RefreshRotation {
    var isRotated: Bool { if case .rotated = self { true } else { false } }
}
