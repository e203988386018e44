import Foundation

/// Fault injection for the kill-and-resume tests: with `RELOC_KILL_AT=STAGE:N` in the
/// environment, the process kills itself with SIGKILL when the N-th item of that stage (an image
/// extracted, a pair matched, a query localized) has been written — after the write, before the
/// next flush, where a kill does the most damage. Unset, it costs one comparison per item.
public enum FailPoint: String, Sendable {
    case extract, match, localize

    nonisolated(unsafe) private static var counts: [FailPoint: Int] = [:]
    private static let target: (FailPoint, Int)? = {
        guard let value = ProcessInfo.processInfo.environment["RELOC_KILL_AT"] else { return nil }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let stage = FailPoint(rawValue: String(parts[0])), let n = Int(parts[1]), n > 0 else {
            FileHandle.standardError.write(Data("warning: RELOC_KILL_AT='\(value)' ignored: expected STAGE:N with STAGE extract, match or localize and N ≥ 1\n".utf8))
            return nil
        }
        return (stage, n)
    }()
    private static let lock = NSLock()

    /// One more item of `stage` is written.
    public static func reached(_ stage: FailPoint) {
        guard let (killStage, n) = target, killStage == stage else { return }
        lock.lock()
        counts[stage, default: 0] += 1
        let count = counts[stage]!
        lock.unlock()
        if count == n { kill(getpid(), SIGKILL) }
    }
}
