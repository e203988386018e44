import Foundation

/// Result slots filled by concurrent workers, each at its own index.
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> T {
        lock.lock()
        defer { lock.unlock() }
        return slots[index]!
    }
}
