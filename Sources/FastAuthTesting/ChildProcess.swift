import Dispatch
package import Foundation

/// Runs a child process for a test without blocking a thread of the Swift concurrency pool
/// (which has only as many threads as cores: two tests waiting on processes would stall every
/// other test).
package enum ChildProcess {
    /// The outcome of a run.
    package struct Output: Sendable {
        package let status: Int32
        package let stdout: Data
        package let stderr: String
    }

    /// Runs `executable` with `arguments` (stdin closed) and waits, off the concurrency pool,
    /// for it to exit.
    package static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil
    ) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(executable, arguments, environment: environment) })
            }
        }
    }

    private static func runBlocking(
        _ executable: String, _ arguments: [String], environment: [String: String]?
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe()
        let stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("fastauth-child-\(UUID()).stderr")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: stderrURL) }
        let stderr = try FileHandle(forWritingTo: stderrURL)
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? stderr.close()
        let errors = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, stdout: output, stderr: errors)
    }
}
