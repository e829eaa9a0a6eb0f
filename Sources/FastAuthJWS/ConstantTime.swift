/// The one comparison of secrets (MACs, password hashes, CSRF values, nonces): its time depends
/// on the lengths only, never on where the bytes first differ.
package enum ConstantTime {
    /// `true` when `a` and `b` hold the same bytes.
    @inline(__always)
    package static func equal<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
