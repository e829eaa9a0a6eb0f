import FastAuth
import FastAuthTesting
import Foundation
import Testing
import Vapor

@testable import fastauth

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One raw HTTP/1.1 exchange over a real TCP socket (the server's HTTP codec is what is under
/// test, so nothing may bypass it): sends `request`, then reads until the server closes or
/// `timeout` passes. Runs off the concurrency pool.
func rawExchange(port: Int, _ request: [UInt8], timeout: Int = 10) async throws -> String {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try rawExchangeBlocking(port: port, request, timeout: timeout) })
        }
    }
}

private struct SocketFailure: Error, CustomStringConvertible {
    let description: String
}

private func rawExchangeBlocking(port: Int, _ request: [UInt8], timeout: Int) throws -> String {
    #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw SocketFailure(description: "socket() failed") }
    defer { close(descriptor) }
    var wait = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw SocketFailure(description: "connect() failed: \(errno)") }
    var sent = 0
    while sent < request.count {
        let count = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        // The server may answer and stop reading before everything is sent: then read what it said.
        if count <= 0 { break }
        sent += count
    }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count <= 0 {
            if count < 0, response.isEmpty {
                throw SocketFailure(description: "recv() failed: \(errno) (connection reset?)")
            }
            break
        }
        response.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: response, as: UTF8.self)
}

@Suite("serve's HTTP edges, over a real socket")
struct ServeHTTPEdgeTests {
    /// Runs `body` with the served app listening on a free loopback port, on `adapter`.
    private func withServer(
        _ adapter: ServeSettings.Adapter = .vapor, _ body: (Int) async throws -> Void
    ) async throws {
        var settings = try ServeSettings.load(
            environment: ["FASTAUTH_SECRET": TestFixtures.secret, "FASTAUTH_RATE_LIMIT_PER_MINUTE": "0"],
            secretDirectory: NSTemporaryDirectory() + "fastauth-edge-" + UUID().uuidString)
        settings.port = 0
        if adapter == .hummingbird {
            try await withTestDatabase { store in
                let (auth, social) = try await AuthServer.makeAuth(settings: settings, store: store)
                let server = try await HummingbirdServer.start(
                    settings: settings, auth: auth, socialSignIn: social, logger: Logger(label: "test"))
                do {
                    try await body(server.port)
                } catch {
                    try await server.stop()
                    throw error
                }
                try await server.stop()
            }
            return
        }
        try await withTestDatabase { store in
            let app = try await AuthServer.makeApplication(
                settings: settings, store: store, logger: Logger(label: "test"))
            let server = app.server
            do {
                try await server.start(address: .hostname("127.0.0.1", port: 0))
                let port = try #require(
                    ((server as? ServeHTTPServer)?.localAddress ?? (server as? HTTPServer)?.localAddress)?.port)
                try await body(port)
            } catch {
                await server.shutdown()
                try await app.asyncShutdown()
                throw error
            }
            await server.shutdown()
            try await app.asyncShutdown()
        }
    }

    private func request(_ head: String, body: String = "") -> [UInt8] {
        Array((head + "\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8)
    }

    @Test(
        "a 1 MB Authorization header gets 431 {\"detail\": \"Request Header Fields Too Large\"}, not a reset",
        arguments: ServeSettings.Adapter.allCases)
    func oversizedHeaders(adapter: ServeSettings.Adapter) async throws {
        try await withServer(adapter) { port in
            let huge = "Bearer " + String(repeating: "a", count: 1_000_000)
            let response = try await rawExchange(
                port: port, request("GET /auth/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: \(huge)"))
            #expect(response.hasPrefix("HTTP/1.1 431"), "\(response.prefix(200))")
            #expect(response.hasSuffix("{\"detail\":\"Request Header Fields Too Large\"}"), "\(response.suffix(200))")
            // The server is still serving.
            let health = try await rawExchange(port: port, request("GET /healthz HTTP/1.1\r\nHost: localhost"))
            #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")
            #expect(health.lowercased().contains("\r\ndate: "), "\(health)")
        }
    }

    @Test(
        "keep-alive and pipelining: two requests sent at once on one connection get two answers, in order",
        arguments: ServeSettings.Adapter.allCases)
    func pipelinedRequests(adapter: ServeSettings.Adapter) async throws {
        try await withServer(adapter) { port in
            let both =
                "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
                + "GET /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            let response = try await rawExchange(port: port, Array(both.utf8))
            let first = try #require(response.range(of: "HTTP/1.1 200"))
            let second = try #require(response.range(of: "HTTP/1.1 404"))
            #expect(first.lowerBound < second.lowerBound)
            #expect(response.contains("{\"status\":\"ok\"}") && response.hasSuffix("{\"detail\":\"Not Found\"}"))
        }
    }

    @Test(
        "the routes work over the socket: register answers 201 with tokens, a text/plain login 415, a malformed request 400, a 2 MB body 413",
        arguments: ServeSettings.Adapter.allCases)
    func routesAndOtherRefusals(adapter: ServeSettings.Adapter) async throws {
        try await withServer(adapter) { port in
            let credentials = #"{"email":"ada@example.com","password":"correct horse battery"}"#
            // Registering hashes the password with serve's default scrypt: 1.4 s of CPU in a debug
            // build, at the hashing threads' lower priority while the rest of the suite keeps the
            // cores busy. This test is about the HTTP edges, so it waits as long as that takes.
            func post(_ path: String, _ contentType: String, _ body: String) async throws -> String {
                try await rawExchange(
                    port: port,
                    request("POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: \(contentType)", body: body),
                    timeout: 120)
            }
            let register = try await post("/auth/register", "application/json", credentials)
            #expect(register.hasPrefix("HTTP/1.1 201"), "\(register)")
            #expect(register.contains("\"access_token\""))
            let text = try await post("/auth/login", "text/plain", credentials)
            #expect(text.hasPrefix("HTTP/1.1 415"), "\(text)")
            let malformed = try await rawExchange(port: port, Array("GET / HTTP/1.1\r\nHost\u{0}: x\r\n\r\n".utf8))
            #expect(malformed.hasPrefix("HTTP/1.1 400"), "\(malformed)")
            let big = try await post("/auth/login", "application/json", String(repeating: "x", count: 2_000_000))
            #expect(big.hasPrefix("HTTP/1.1 413"), "\(big.prefix(200))")
        }
    }
}
