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
    ///
    /// The salt is `length` base36 characters, as in the reference implementation, drawn from
    /// 128 bits of system entropy (two `SystemRandomNumberGenerator` words, 12 characters per
    /// word; each word is one `getrandom` system call, the single largest cost of an id when
    /// every character took its own byte of a 40-byte draw). The first letter is taken from
    /// the digest, which that entropy already randomises.
    package func next(now milliseconds: Int64) -> String {
        var random = SystemRandomNumberGenerator()
        let words = (random.next() as UInt64, random.next() as UInt64)
        let count = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        let length = self.length
        // time + salt + counter + fingerprint, at most 13 + 32 + 13 + 32 bytes.
        let digest = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 96) { input in
            Self.digits.withUnsafeBufferPointer { digits in
                var used = Self.writeBase36(UInt64(max(milliseconds, 0)), into: input, at: 0, digits: digits)
                var word = words.0
                for i in 0..<length {
                    if i == 12 { word = words.1 } else if i == 24 { word = (words.0 ^ words.1).byteSwapped }
                    input[used] = digits[Int(word % 36)]
                    word /= 36
                    used += 1
                }
                used = Self.writeBase36(count, into: input, at: used, digits: digits)
                for byte in fingerprint {
                    input[used] = byte
                    used += 1
                }
                return SHA3_512.hash(data: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: input[..<used])))
            }
        }
        let (firstLetter, hashDigits) = digest.withUnsafeBytes { bytes in
            (UInt8(ascii: "a") + bytes[bytes.count - 1] % 26, Self.base36(of: bytes))
        }
        // hash() drops its first character; the id then keeps characters 1..<length of that.
        let tail = hashDigits.dropFirst(2).prefix(length - 1)
        return String(unsafeUninitializedCapacity: tail.count + 1) { buffer in
            buffer[0] = firstLetter
            var index = 1
            for digit in tail {
                buffer[index] = digit
                index += 1
            }
            return index
        }
    }

    private static let digits: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    /// Writes the base36 digits of `value` at `offset`; returns the offset after them.
    private static func writeBase36(
        _ value: UInt64, into output: UnsafeMutableBufferPointer<UInt8>, at offset: Int,
        digits: UnsafeBufferPointer<UInt8>
    ) -> Int {
        var count = 0
        var rest = value
        repeat {
            count += 1
            rest /= 36
        } while rest > 0
        rest = value
        for index in stride(from: offset + count - 1, through: offset, by: -1) {
            output[index] = digits[Int(rest % 36)]
            rest /= 36
        }
        return offset + count
    }

    /// The base36 digits of a big-endian unsigned integer, most significant first.
    ///
    /// Schoolbook division by 36^6 over 32-bit limbs: each step divides a 64-bit value by a
    /// constant, which compiles to a multiplication (dividing 128-bit values by 36^12 called
    /// the software `__udivti3` routine for every limb).
    package static func base36(of bytes: some Collection<UInt8>) -> [UInt8] {
        let divisor: UInt64 = 2_176_782_336  // 36^6
        var limbs = [UInt32](repeating: 0, count: (bytes.count + 3) / 4)
        var shift = 0
        var limbIndex = limbs.count - 1
        for byte in bytes.reversed() {
            limbs[limbIndex] |= UInt32(byte) << shift
            shift += 8
            if shift == 32 {
                shift = 0
                limbIndex -= 1
            }
        }
        var first = 0
        while first < limbs.count, limbs[first] == 0 { first += 1 }
        if first == limbs.count { return [UInt8(ascii: "0")] }
        // Six-digit chunks, least significant first.
        var chunks: [UInt32] = []
        chunks.reserveCapacity(limbs.count * 32 / 31 + 1)
        limbs.withUnsafeMutableBufferPointer { limbs in
            while first < limbs.count {
                var remainder: UInt64 = 0
                for i in first..<limbs.count {
                    let current = remainder << 32 | UInt64(limbs[i])
                    limbs[i] = UInt32(truncatingIfNeeded: current / divisor)
                    remainder = current % divisor
                }
                chunks.append(UInt32(truncatingIfNeeded: remainder))
                while first < limbs.count, limbs[first] == 0 { first += 1 }
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(6 * chunks.count)
        digits.withUnsafeBufferPointer { digits in
            // The top chunk without leading zeros, every other one as six digits.
            var top = chunks[chunks.count - 1]
            var topDigits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
            var topCount = 0
            withUnsafeMutableBytes(of: &topDigits) { raw in
                repeat {
                    raw[topCount] = digits[Int(top % 36)]
                    top /= 36
                    topCount += 1
                } while top > 0
                for i in stride(from: topCount - 1, through: 0, by: -1) { output.append(raw[i]) }
            }
            for chunkIndex in stride(from: chunks.count - 2, through: 0, by: -1) {
                var value = chunks[chunkIndex]
                var six: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
                withUnsafeMutableBytes(of: &six) { raw in
                    for i in stride(from: 5, through: 0, by: -1) {
                        raw[i] = digits[Int(value % 36)]
                        value /= 36
                    }
                    output.append(contentsOf: raw)
                }
            }
        }
        return output
    }
}
