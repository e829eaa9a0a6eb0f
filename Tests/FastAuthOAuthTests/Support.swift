import AsyncHTTPClient
import FastAuth
import Foundation
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Python checks for the tests that run a real OpenID Connect provider (oidc-provider-mock).
/// Skipped with a message when it is missing; a failure with FASTAUTH_REQUIRE_INTEROP=1.
enum OIDCMock {
    static let required = ProcessInfo.processInfo.environment["FASTAUTH_REQUIRE_INTEROP"] == "1"
    static let installLine = "python3 -m pip install oidc-provider-mock"

    static let available: Bool = {
        // Evaluated once, before any test runs: a short blocking check is fine here.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import oidc_provider_mock, uvicorn"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static let enabled = available || required
    static let skipMessage = Comment(
        rawValue:
            "python3 with oidc-provider-mock not found (\(installLine)); FASTAUTH_REQUIRE_INTEROP=1 makes this a failure"
    )

    static func require() throws {
        try #require(available, "FASTAUTH_REQUIRE_INTEROP=1 but oidc-provider-mock is missing: \(installLine)")
    }
}

/// A Python server from Tests/E2E started for one test: it prints `{"port": N}` on its first
/// line; ``stop()`` terminates exactly this process.
final class ScriptServer {
    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    static func start(_ script: String, _ arguments: [String]) async throws -> ScriptServer {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../E2E/\(script)").standardized.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let reader = stdout.fileHandleForReading
        let line: String = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var bytes: [UInt8] = []
                while true {
                    let chunk = reader.readData(ofLength: 1)
                    guard let byte = chunk.first, byte != UInt8(ascii: "\n") else { break }
                    bytes.append(byte)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
        guard let port = (try? JSONValue(parsing: line))?["port"]?.intValue else {
            process.terminate()
            process.waitUntilExit()
            throw ScriptError(message: "\(script) printed no port: \(line)")
        }
        return ScriptServer(port: Int(port), process: process)
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// SIGKILL to this process (uvicorn's graceful SIGTERM would wait for the test's
    /// keep-alive connections), then reaps it.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    struct ScriptError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

/// Plain HTTP for driving providers, following no redirect.
enum TestHTTP {
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var json: JSONValue? { try? JSONValue(parsing: body) }
    }

    static func send(
        _ method: HTTPMethod, _ url: String, form: String? = nil, headers: [(String, String)] = []
    )
        async throws -> Response
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await client.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Response(
            status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// The query parameters of a URL.
    static func query(_ url: String) -> [String: String] {
        var result: [String: String] = [:]
        for item in URLComponents(string: url)?.queryItems ?? [] { result[item.name] = item.value ?? "" }
        return result
    }
}
