// The client behind a proxy: IP address and CIDR parsing, and the `X-Forwarded-For` /
// RFC 7239 `Forwarded` walk that picks the client. The input is split at its first two NULs:
// the peer, an `X-Forwarded-For` value, a `Forwarded` value.
import FastAuth
import FuzzSupport

enum Fixture {
    static let proxies = TrustedProxies.parse(["10.0.0.0/8", "192.0.2.1", "2001:db8:ffff::/48", "::1"]).proxies
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let text = String(decoding: input, as: UTF8.self)

    if let address = IPAddress(text) {
        // A parsed address prints in a form that parses back to itself.
        require(IPAddress(address.description) == address, "an address does not survive its own description")
        require(address.bytes.count == 4 || address.bytes.count == 16, "an address of neither 4 nor 16 bytes")
    }
    if let network = IPNetwork(text) {
        require(network.contains(network.address), "a network does not contain its own address")
        require(IPNetwork(network.description) == network, "a network does not survive its own description")
    }

    let parts = input.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    let peer = parts.first ?? ""
    let forwardedFor = parts.count > 1 ? [parts[1]] : []
    let forwarded = parts.count > 2 ? [parts[2]] : []
    let client = Fixture.proxies.client(peer: peer, forwardedFor: forwardedFor, forwarded: forwarded)
    // From a peer that is not a trusted proxy, the headers are never believed.
    if let peerAddress = IPAddress(peer), !Fixture.proxies.contains(peerAddress) {
        require(client == peer, "an untrusted peer's forwarding headers were believed")
    }
    if IPAddress(peer) == nil { require(client == peer, "a peer that is no address was replaced") }
    let limitKey = RequestOrigin(clientAddress: client).limitKey
    require(!limitKey.isEmpty || client.isEmpty, "an empty limit key")
    return 0
}

runFuzzer(fuzzOne)
