import Dispatch
import Foundation

/// Runs `body(i)` for i in 0..<count on up to `threads` threads (0: one per core); indices are
/// handed out one at a time, so uneven work balances.
func parallelFor(_ count: Int, threads: Int = 0, _ body: @Sendable (Int) -> Void) {
    let width = min(count, threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount)
    guard width > 1 else { for i in 0..<count { body(i) }; return }
    let next = Counter()
    DispatchQueue.concurrentPerform(iterations: width) { _ in
        while true {
            let i = next.take()
            if i >= count { break }
            body(i)
        }
    }
}

/// A shared counter handing out increasing integers.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}
