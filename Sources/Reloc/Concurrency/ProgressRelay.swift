import Foundation

/// Forwards progress from worker threads to a callback, one call at a time.
final class ProgressRelay: @unchecked Sendable {
    private let callback: ((Int, Int) -> Void)?
    private let lock = NSLock()

    init(_ callback: ((Int, Int) -> Void)?) { self.callback = callback }

    func send(_ done: Int, _ total: Int) {
        lock.lock()
        callback?(done, total)
        lock.unlock()
    }
}
