import Crypto
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Collision-resistant ids in the cuid2 format: a lowercase letter followed by base36 characters
/// taken from a SHA3-512 hash of time, fresh random salt, a counter and a per-process
/// fingerprint, as the cuid2 reference implementation builds them.
public final class CUID2Generator: Sendable {
    /// The length of ids, 24 by default (2–32).
    public let length: Int
    private let fingerprint: [UInt8]
    private let counter: Atomic<UInt64>

    /// A process-wide generator of 24-character ids.
    public static let shared = CUID2Generator()

    /// Creates a generator of ids of `length` characters (clamped to 2…32).
    public init(length: Int = 24) {
        self.length = min(max(length, 2), 32)
        var random = SystemRandomNumberGenerator()
        let seed = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let digits = CUID2Generator.base36(of: Array(SHA3_512.hash(data: seed)))
        self.fingerprint = Array(digits.dropFirst().prefix(32))
        self.counter = Atomic(UInt64.random(in: 0..<476_782_367, using: &random))
    }

    /// Returns a fresh id.
    public func next() -> String {
        next(now: Int64((SystemClock().now().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// Returns a fresh id, hashing in `now` (milliseconds since 1970).
    package func next(now milliseconds: Int64) -> String {
        var random = SystemRandomNumberGenerator()
        var input: [UInt8] = []
        input.reserveCapacity(96)
        Self.appendBase36(UInt64(max(milliseconds, 0)), to: &input)
        // Salt: `length` base36 characters of fresh entropy, plus the random first letter.
        var entropy = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &entropy) { raw in
            for i in 0..<5 { raw.storeBytes(of: random.next(), toByteOffset: i * 8, as: UInt64.self) }
        }
        let firstLetter: UInt8 = withUnsafeBytes(of: &entropy) { raw in
            for i in 0..<length { input.append(Self.digits[Int(raw[i] % 36)]) }
            return UInt8(ascii: "a") + raw[39] % 26
        }
        let count = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        Self.appendBase36(count, to: &input)
        input.append(contentsOf: fingerprint)
        let digest = SHA3_512.hash(data: input)
        let hashDigits = digest.withUnsafeBytes { Self.base36(of: $0) }
        // hash() drops its first character; the id then keeps characters 1..<length of that.
        var id = [firstLetter]
        id.append(contentsOf: hashDigits.dropFirst(2).prefix(length - 1))
        return String(decoding: id, as: UTF8.self)
    }

    private static let digits: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    private static func appendBase36(_ value: UInt64, to output: inout [UInt8]) {
        var value = value
        var reversed: [UInt8] = []
        repeat {
            reversed.append(digits[Int(value % 36)])
            value /= 36
        } while value > 0
        output.append(contentsOf: reversed.reversed())
    }

    /// The base36 digits of a big-endian unsigned integer, most significant first.
    package static func base36(of bytes: some Collection<UInt8>) -> [UInt8] {
        var limbs: [UInt64] = []
        var bytes = Array(bytes)
        while bytes.count % 8 != 0 { bytes.insert(0, at: 0) }
        for chunk in stride(from: 0, to: bytes.count, by: 8) {
            var limb: UInt64 = 0
            for byte in bytes[chunk..<chunk + 8] { limb = limb << 8 | UInt64(byte) }
            limbs.append(limb)
        }
        let divisor: UInt64 = 4_738_381_338_321_616_896  // 36^12
        var chunks: [UInt64] = []
        while limbs.contains(where: { $0 != 0 }) {
            var remainder: UInt64 = 0
            for i in limbs.indices {
                let (q, r) = divisor.dividingFullWidth((high: remainder, low: limbs[i]))
                limbs[i] = q
                remainder = r
            }
            chunks.append(remainder)
        }
        guard let top = chunks.popLast() else { return [UInt8(ascii: "0")] }
        var output: [UInt8] = []
        output.reserveCapacity(12 * (chunks.count + 1))
        appendBase36(top, to: &output)
        for chunk in chunks.reversed() {
            var value = chunk
            var twelve = [UInt8](repeating: UInt8(ascii: "0"), count: 12)
            for i in stride(from: 11, through: 0, by: -1) {
                twelve[i] = digits[Int(value % 36)]
                value /= 36
            }
            output.append(contentsOf: twelve)
        }
        return output
    }
}
