import CFuzzDriver
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands the process to libFuzzer, which calls `entry` (the target's
/// `LLVMFuzzerTestOneInput`) with each input until it stops, then exits with its status.
public func runFuzzer(_ entry: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, entry))
}

/// The input as a buffer (libFuzzer may pass a null pointer for the empty input).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    guard let data else { return UnsafeBufferPointer(start: nil, count: 0) }
    return UnsafeBufferPointer(start: data, count: size)
}

/// Runs async work to completion from libFuzzer's synchronous callback (the callback runs on
/// the main thread, which is not one of the concurrency pool's threads, so waiting here
/// cannot starve the task it waits for).
public func blocking<Value: Sendable>(_ work: @escaping @Sendable () async -> Value) -> Value {
    let result = ResultBox<Value>()
    let done = DispatchSemaphore(value: 0)
    Task {
        let value = await work()
        result.value.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    guard let value = result.value.withLock({ $0 }) else { preconditionFailure("the work finished without a value") }
    return value
}

/// Where ``blocking(_:)``'s task leaves its result.
private final class ResultBox<Value: Sendable>: Sendable {
    let value = Mutex<Value?>(nil)
}

/// Stops the run (a finding) when an invariant of the code under test does not hold.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        print("invariant broken: \(message())")
        abort()
    }
}
