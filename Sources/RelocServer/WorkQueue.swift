import DequeModule
import Dispatch
import Foundation

/// Where localization runs: `workers` threads of its own (the work is CPU-bound and blocking,
/// so it stays off the server's event loops and Swift's cooperative pool), at most `capacity`
/// jobs waiting for them, and a deadline per job.
///
/// A job refused because the queue is full throws `WorkQueue.Refusal.full` at once. A job whose
/// deadline passes throws `.timedOut`: if it was still waiting it never runs; if it was running
/// it runs to its end (CPU work cannot be interrupted halfway) and its result is dropped.
final class WorkQueue: @unchecked Sendable {
    enum Refusal: Error, Equatable {
        /// `capacity` jobs were already waiting.
        case full
        /// The deadline passed before the job finished.
        case timedOut
        /// The queue was shut down.
        case closed
    }

    private final class Job: @unchecked Sendable {
        /// Runs the work and delivers its result; false once delivered (by it or by the deadline).
        let run: () -> Void
        let expire: () -> Void
        init(run: @escaping () -> Void, expire: @escaping () -> Void) { self.run = run; self.expire = expire }
    }

    let workers: Int
    let capacity: Int
    private let condition = NSCondition()
    private var waiting = Deque<Job>()
    private var running = 0
    private var closed = false
    private var threads: [Thread] = []

    init(workers: Int, capacity: Int) {
        precondition(workers > 0 && capacity >= 0)
        self.workers = workers
        self.capacity = capacity
        for index in 0..<workers {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "reloc-worker-\(index)"
            // Localization's own parallel parts (SIFT's rows, the pairs) use Dispatch's pool.
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
    }

    /// Jobs waiting for a worker.
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting.count
    }

    /// Jobs being computed.
    var inFlight: Int {
        condition.lock()
        defer { condition.unlock() }
        return running
    }

    /// Runs `work` on a worker, waiting at most until `deadline` for its result.
    func submit<T: Sendable>(deadline: DispatchTime, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let delivered = Once()
            let job = Job(run: {
                guard !delivered.isDone else { return }  // expired while waiting: never run
                let result = Result { try work() }
                if delivered.claim() { continuation.resume(with: result) }
            }, expire: {
                if delivered.claim() { continuation.resume(throwing: Refusal.timedOut) }
            })
            condition.lock()
            if closed {
                condition.unlock()
                continuation.resume(throwing: Refusal.closed)
                return
            }
            // At most `workers` computing and `capacity` waiting: a free worker takes a job at once.
            guard waiting.count + running < workers + capacity else {
                condition.unlock()
                continuation.resume(throwing: Refusal.full)
                return
            }
            waiting.append(job)
            condition.signal()
            condition.unlock()
            DispatchQueue.global().asyncAfter(deadline: deadline) { job.expire() }
        }
    }

    /// Lets the workers finish the jobs they hold and stop; waiting jobs are refused.
    func shutdown() {
        condition.lock()
        closed = true
        let refused = waiting
        waiting.removeAll()
        condition.broadcast()
        condition.unlock()
        for job in refused { job.expire() }
    }

    private func work() {
        while true {
            condition.lock()
            while waiting.isEmpty && !closed { condition.wait() }
            guard let job = waiting.popFirst() else { condition.unlock(); return }
            running += 1
            condition.unlock()
            job.run()
            condition.lock()
            running -= 1
            condition.unlock()
        }
    }
}

/// A flag set once, by whichever of two racing parties comes first.
private final class Once: @unchecked Sendable {
    private var done = false
    private let lock = NSLock()

    var isDone: Bool {
        lock.lock()
        defer { lock.unlock() }
        return done
    }

    /// True for the first caller only.
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
