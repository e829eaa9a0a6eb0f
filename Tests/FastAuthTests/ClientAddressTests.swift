import FastAuth
import FastAuthTesting
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("The client behind a proxy", .eachHTTPAdapter)
struct ClientAddressTests {
    @Test(
        "addresses parse strictly and print canonically",
        arguments: [
            ("192.0.2.1", "192.0.2.1"), ("::1", "::1"), ("2001:DB8::1", "2001:db8::1"), ("::", "::"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("::ffff:192.0.2.9", "192.0.2.9"),
            ("fe80::1%eth0", "fe80::1"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"), ("1::", "1::"), ("::ffff:c000:0209", "192.0.2.9"),
        ])
    func parse(text: String, canonical: String) throws {
        #expect(try #require(IPAddress(text)).description == canonical)
    }

    @Test(
        "non-addresses are refused",
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "+1.2.3.4", "1::2::3", ":::",
            "1:2:3:4:5:6:7:8:9",
            "12345::", "g::1", "+1::", "1:2:3:4:5:6:7", "unknown", "[::1]", "1.2.3.4 ", "::1.2.3.4.5",
        ])
    func refuse(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("CIDR blocks contain what they should")
    func networks() throws {
        let ten = try #require(IPNetwork("10.0.0.0/8"))
        #expect(ten.contains(try #require(IPAddress("10.255.1.2"))))
        #expect(!ten.contains(try #require(IPAddress("11.0.0.1"))))
        #expect(!ten.contains(try #require(IPAddress("::a00:1"))))
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:ffff::1"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db9::1"))))
        #expect(try #require(IPNetwork("192.0.2.77/24")).description == "192.0.2.0/24")
        #expect(IPNetwork("10.0.0.0/33") == nil && IPNetwork("10.0.0.0/") == nil && IPNetwork("10.0.0.0/+8") == nil)
        #expect(try #require(IPNetwork("127.0.0.1")).prefixLength == 32)
    }

    @Test(
        "from a trusted peer the client is the right-most untrusted forwarded address; from any other peer the headers are ignored"
    )
    func resolve() {
        let proxies = TrustedProxies.parse(["10.0.0.0/8", "2001:db8:ffff::/48"]).proxies
        #expect(
            proxies.client(peer: "10.0.0.5", forwardedFor: ["198.51.100.7, 10.1.1.1"], forwarded: []) == "198.51.100.7")
        // A client-supplied entry to the left of the real one is never believed.
        #expect(
            proxies.client(peer: "10.0.0.5", forwardedFor: ["1.1.1.1, 198.51.100.7"], forwarded: []) == "198.51.100.7")
        #expect(
            proxies.client(peer: "10.0.0.5", forwardedFor: ["1.1.1.1", "198.51.100.7:4711"], forwarded: [])
                == "198.51.100.7")
        #expect(proxies.client(peer: "203.0.113.9", forwardedFor: ["198.51.100.7"], forwarded: []) == "203.0.113.9")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: [], forwarded: []) == "10.0.0.5")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["10.9.9.9, 10.1.1.1"], forwarded: []) == "10.9.9.9")
        // Garbage stops the walk at the last hop a trusted proxy vouched for.
        #expect(
            proxies.client(peer: "10.0.0.5", forwardedFor: ["198.51.100.7, bogus, 10.1.1.1"], forwarded: [])
                == "10.1.1.1")
        #expect(proxies.client(peer: nil, forwardedFor: ["198.51.100.7"], forwarded: []) == "unknown")
        #expect(
            TrustedProxies([]).client(peer: "10.0.0.5", forwardedFor: ["198.51.100.7"], forwarded: []) == "10.0.0.5")
        // RFC 7239 when there is no X-Forwarded-For.
        #expect(
            proxies.client(
                peer: "10.0.0.5", forwardedFor: [],
                forwarded: [#"for=198.51.100.7;proto=https, for="[2001:db8:ffff::2]:443""#]) == "198.51.100.7")
        #expect(
            proxies.client(peer: "2001:db8:ffff::9", forwardedFor: [], forwarded: [#"For="[2001:db8:1::17]:4711""#])
                == "2001:db8:1::17")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: [], forwarded: ["for=unknown"]) == "10.0.0.5")
        #expect(
            proxies.client(peer: "10.0.0.5", forwardedFor: [], forwarded: [#"for="_hidden", for=198.51.100.8"#])
                == "198.51.100.8")
        #expect(TrustedProxies.parse(["10.0.0.0/8", "nonsense", "1.2.3.4/40"]).invalid == ["nonsense", "1.2.3.4/40"])
    }

    @Test("limits count IPv6 clients per /64, IPv4 clients per address")
    func limitKeys() {
        #expect(RequestOrigin(clientAddress: "2001:db8:1:2:aaaa::1").limitKey == "2001:db8:1:2::/64")
        #expect(RequestOrigin(clientAddress: "2001:db8:1:2:bbbb::9").limitKey == "2001:db8:1:2::/64")
        #expect(RequestOrigin(clientAddress: "198.51.100.7").limitKey == "198.51.100.7")
        #expect(RequestOrigin(clientAddress: "unknown").limitKey == "unknown")
    }

    @Test("a bad trusted-proxy entry is a configuration error naming it")
    func configuration() {
        #expect(throws: ConfigurationError.self) {
            try FastAuthConfig(
                secret: TestFixtures.secret, security: SecurityConfig(trustedProxies: ["10.0.0.0/8", "proxy.internal"]))
        }
    }

    /// Five wrong passwords through a trusted proxy, on a real socket (peer 127.0.0.1).
    static func lockOut(_ h: HTTPHarness, tester: any TestingApplicationTester, forwardedFor: String) async throws {
        for _ in 0..<5 {
            let reply = try await tester.sendRequest(
                .POST, "auth/login", headers: ["Content-Type": "application/json", "X-Forwarded-For": forwardedFor],
                body: ByteBuffer(string: #"{"email":"ada@example.com","password":"wrong password!"}"#))
            #expect(reply.status == .unauthorized)
        }
    }

    static func login(_ tester: any TestingApplicationTester, forwardedFor: String) async throws -> HTTPStatus {
        try await tester.sendRequest(
            .POST, "auth/login", headers: ["Content-Type": "application/json", "X-Forwarded-For": forwardedFor],
            body: ByteBuffer(string: #"{"email":"ada@example.com","password":"correct horse battery"}"#)
        ).status
    }

    @Test("behind a trusted proxy a lockout binds the guessing client only, and the session records the real client")
    func trustedProxy() async throws {
        let security = SecurityConfig(
            rateLimitPerMinute: 0, passwordHashing: .insecureTesting, trustedProxies: ["127.0.0.1"])
        try await withHarness(security: security) { h, app in
            _ = try await h.register()
            let tester = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            try await Self.lockOut(h, tester: tester, forwardedFor: "198.51.100.66")
            #expect(try await Self.login(tester, forwardedFor: "198.51.100.66") == .tooManyRequests)
            #expect(try await Self.login(tester, forwardedFor: "203.0.113.10") == .ok)
            let sessions = try await h.auth.store.activeSessions(
                userID: try #require(try await h.auth.store.credentials(email: "ada@example.com")).account.id,
                now: h.clock.now())
            #expect(sessions.contains { $0.ipAddress == "203.0.113.10" })
        }
    }

    @Test("from an untrusted peer X-Forwarded-For is ignored: changing it does not escape a lockout")
    func untrustedPeer() async throws {
        let security = SecurityConfig(
            rateLimitPerMinute: 0, passwordHashing: .insecureTesting, trustedProxies: ["10.0.0.0/8"])
        try await withHarness(security: security) { h, app in
            _ = try await h.register()
            let tester = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            try await Self.lockOut(h, tester: tester, forwardedFor: "198.51.100.66")
            #expect(try await Self.login(tester, forwardedFor: "203.0.113.10") == .tooManyRequests)
        }
    }
}
