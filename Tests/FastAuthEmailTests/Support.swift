import Dispatch
import FastAuth
import FastAuthEmail
import FastAuthTesting
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Whether the Python side of the SMTP tests is here: python3 with aiosmtpd and cryptography.
/// Without it those suites skip with a message, unless FASTAUTH_REQUIRE_INTEROP=1 (CI), which
/// makes them fail instead.
enum EmailInterop {
    static let required = ProcessInfo.processInfo.environment["FASTAUTH_REQUIRE_INTEROP"] == "1"
    static let installLine = "python3 -m pip install aiosmtpd cryptography"

    /// `true` when `python3 -c "import aiosmtpd, cryptography"` succeeds.
    static let smtpAvailable = pythonImports("aiosmtpd, cryptography")
    /// `true` when python3 itself runs (the webhook endpoint and the MIME reader use its
    /// standard library only).
    static let pythonAvailable = pythonImports("json, email, http.server")

    static let smtpEnabled = smtpAvailable || required
    static let pythonEnabled = pythonAvailable || required
    static let smtpSkipMessage = Comment(
        rawValue:
            "python3 with aiosmtpd and cryptography not found (\(installLine)); FASTAUTH_REQUIRE_INTEROP=1 makes this a failure"
    )
    static let pythonSkipMessage = Comment(
        rawValue: "python3 not found; FASTAUTH_REQUIRE_INTEROP=1 makes this a failure")

    static func requireSMTP() throws {
        try #require(smtpAvailable, "FASTAUTH_REQUIRE_INTEROP=1 but the Python packages are missing: \(installLine)")
    }

    static func requirePython() throws {
        try #require(pythonAvailable, "FASTAUTH_REQUIRE_INTEROP=1 but python3 is missing")
    }

    private static func pythonImports(_ modules: String) -> Bool {
        // Evaluated once, before any test runs: a short blocking check is fine here.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import \(modules)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Tests/E2E/`name`.
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../E2E/\(name)").standardized.path
    }

    /// A new empty directory under the temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fastauth-email-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Parses a saved message with Python's `email` package (Tests/E2E/parse_email.py).
    static func parseMessage(_ file: URL) async throws -> JSONValue {
        let run = try await ChildProcess.run("/usr/bin/env", ["python3", script("parse_email.py"), file.path])
        let parsed = try? JSONValue(parsing: Array(run.stdout))
        return try #require(parsed, "parse_email.py exited with \(run.status): \(run.stderr)")
    }
}

/// A script that serves until stopped: its standard input is a pipe (the scripts exit when it
/// closes, so they also end with the test process), its first line of output is JSON.
final class BackgroundScript {
    let info: JSONValue
    let directory: URL
    private let process: Process
    private let stdin: Pipe
    private let stderrURL: URL

    private init(info: JSONValue, directory: URL, process: Process, stdin: Pipe, stderrURL: URL) {
        self.info = info
        self.directory = directory
        self.process = process
        self.stdin = stdin
        self.stderrURL = stderrURL
    }

    /// Starts `python3 script arguments…` and waits (off the concurrency pool) for its first line.
    static func start(_ script: String, _ arguments: [String], directory: URL) async throws -> BackgroundScript {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderrURL = directory.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        try? stderr.close()
        let reader = stdout.fileHandleForReading
        let line: Data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var data = Data()
                while !data.contains(UInt8(ascii: "\n")) {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                continuation.resume(returning: data)
            }
        }
        guard let info = try? JSONValue(parsing: Array(line.prefix { $0 != UInt8(ascii: "\n") })) else {
            await BackgroundScript(
                info: .null, directory: directory, process: process, stdin: stdin, stderrURL: stderrURL
            ).stop()
            let errors = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            throw ScriptFailed(message: "\(script) printed no JSON line; its stderr:\n\(errors)")
        }
        return BackgroundScript(info: info, directory: directory, process: process, stdin: stdin, stderrURL: stderrURL)
    }

    struct ScriptFailed: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    var port: Int { Int(info["port"]?.intValue ?? 0) }

    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Closes its standard input and waits for it to exit; kills it when it does not within 5 s.
    func stop() async {
        try? stdin.fileHandleForWriting.close()
        let process = self.process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                let deadline = Date().addingTimeInterval(5)
                while process.isRunning && Date() < deadline { usleep(20_000) }
                if process.isRunning {
                    process.terminate()
                    process.waitUntilExit()
                }
                continuation.resume()
            }
        }
    }

    /// Runs `body` with a started script, and stops the script afterwards, whatever happens.
    static func with<Result>(
        _ script: String, _ arguments: [String], directory: URL, _ body: (BackgroundScript) async throws -> Result
    ) async throws -> Result {
        let started = try await start(script, arguments, directory: directory)
        do {
            let result = try await body(started)
            await started.stop()
            return result
        } catch {
            await started.stop()
            throw error
        }
    }
}

/// The aiosmtpd server of Tests/E2E/smtp_server.py.
enum TestSMTPServer {
    static let user = "mailer"
    static let password = "s3cret:p@ss w%rd"

    /// Runs `body` with a server in `mode` (starttls, implicit, none, refuse-starttls) whose
    /// mail lands in a fresh directory.
    static func with<Result>(
        mode: String, extraArguments: [String] = [], _ body: (BackgroundScript) async throws -> Result
    ) async throws -> Result {
        try EmailInterop.requireSMTP()
        let directory = try EmailInterop.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments =
            ["--maildir", directory.path, "--tls", mode, "--user", user, "--password", password] + extraArguments
        return try await BackgroundScript.with(
            EmailInterop.script("smtp_server.py"), arguments, directory: directory, body)
    }
}

extension BackgroundScript {
    /// The CA certificate the SMTP server's certificate chains to.
    var caPath: String? { info["ca"]?.stringValue }

    /// Files named `*.eml` the SMTP server saved, in order.
    var savedMessages: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// The lines of auth.log: one JSON object per AUTH attempt.
    var authAttempts: [JSONValue] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("auth.log"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)) }
    }

    /// The JSON file `name` in the directory.
    func json(_ name: String) -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
            return nil
        }
        return try? JSONValue(parsing: Array(data))
    }
}

// MARK: A scripted SMTP peer in-process (no Python)

/// What a ``ScriptedSMTPServer`` received, one entry per line (DATA's lines included).
final class ReceivedLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// A TCP server on 127.0.0.1 that answers each command line with what `respond` returns for it
/// (`nil`: no answer at all). After a `354` answer, the lines up to `.` are the message, and
/// `respond` sees `"<end of data>"` for the final dot. `greeting` is sent on connect (`nil`:
/// stay silent).
final class ScriptedSMTPServer: Sendable {
    /// Every line received, across connections.
    let received: ReceivedLines
    let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel, received: ReceivedLines) {
        self.port = port
        self.channel = channel
        self.received = received
    }

    static func start(
        greeting: String?, respond: @escaping @Sendable (String) -> String?
    ) async throws -> ScriptedSMTPServer {
        let received = ReceivedLines()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptedSMTPHandler(greeting: greeting, respond: respond, received: received))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedSMTPServer(port: channel.localAddress?.port ?? 0, channel: channel, received: received)
    }

    var lines: [String] { received.all }

    func stop() async {
        try? await channel.close()
    }

    /// Runs `body` with a started server, and stops it afterwards.
    static func with<Result>(
        greeting: String?, respond: @escaping @Sendable (String) -> String?,
        _ body: (ScriptedSMTPServer) async throws -> Result
    ) async throws -> Result {
        let server = try await start(greeting: greeting, respond: respond)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}

private final class ScriptedSMTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let greeting: String?
    let respond: @Sendable (String) -> String?
    let received: ReceivedLines
    private var pending: [UInt8] = []
    private var inData = false

    init(greeting: String?, respond: @escaping @Sendable (String) -> String?, received: ReceivedLines) {
        self.greeting = greeting
        self.respond = respond
        self.received = received
    }

    func channelActive(context: ChannelHandlerContext) {
        if let greeting { send(greeting, context: context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        pending.append(contentsOf: buffer.readableBytesView)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(pending[..<newline])
            pending.removeFirst(newline + 1)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            received.append(text)
            if inData {
                guard text == "." else { continue }
                inData = false
                if let answer = respond("<end of data>") { send(answer, context: context) }
                continue
            }
            if let answer = respond(text) {
                send(answer, context: context)
                if answer.hasPrefix("354") { inData = true }
            }
        }
    }

    private func send(_ text: String, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A port on 127.0.0.1 that nothing listens on: bound, then closed.
func closedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 1
    try await channel.close()
    return port
}

/// A standard answer script for ``ScriptedSMTPServer``: a plain ESMTP server that accepts
/// everything (no STARTTLS, no AUTH), with `overrides` by command prefix (upper-cased).
func acceptingScript(_ overrides: [String: String] = [:]) -> @Sendable (String) -> String? {
    { line in
        let upper = line.uppercased()
        for (prefix, answer) in overrides where upper.hasPrefix(prefix) { return answer }
        if upper.hasPrefix("EHLO") { return "250-scripted.test greets you\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n" }
        if upper.hasPrefix("HELO") { return "250 scripted.test\r\n" }
        if upper.hasPrefix("MAIL FROM") || upper.hasPrefix("RCPT TO") { return "250 2.1.0 OK\r\n" }
        if upper == "DATA" { return "354 End data with <CR><LF>.<CR><LF>\r\n" }
        if upper == "<END OF DATA>" { return "250 2.0.0 queued\r\n" }
        if upper == "QUIT" { return "221 2.0.0 bye\r\n" }
        return "500 5.5.2 unknown command\r\n"
    }
}
