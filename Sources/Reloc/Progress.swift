import Foundation

/// Progress of a long stage on standard error — count, rate, ETA — redrawn in place when
/// standard error is a terminal, one line per 10 % otherwise.
public final class Progress: @unchecked Sendable {
    private let label: String
    private let start = Date()
    private let interactive = isatty(2) != 0
    private var lastDecile = -1

    public init(label: String) { self.label = label }

    public func update(_ done: Int, _ total: Int) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "%@: %d/%d (%.1f/s, ETA %.0f s)", label, done, total, rate, eta)
        if interactive {
            FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
        } else {
            let decile = total > 0 ? done * 10 / total : 10
            if decile != lastDecile {
                lastDecile = decile
                FileHandle.standardError.write(Data("\(line)\n".utf8))
            }
        }
    }

    public func finish() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
