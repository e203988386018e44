import Foundation
import Geometry

/// Monotonic time in seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// `--name value` options.
struct BenchArguments {
    var values: [String: String] = [:]

    init(_ arguments: [String], allowed: [String]) throws {
        var k = 0
        while k < arguments.count {
            let key = arguments[k]
            guard key.hasPrefix("--"), allowed.contains(String(key.dropFirst(2))), k + 1 < arguments.count else {
                throw BenchError("unknown or incomplete option \(key) (allowed: \(allowed.map { "--" + $0 }.joined(separator: " ")))")
            }
            values[String(key.dropFirst(2))] = arguments[k + 1]
            k += 2
        }
    }

    func int(_ key: String, _ fallback: Int) -> Int { values[key].flatMap(Int.init) ?? fallback }
    func string(_ key: String) -> String? { values[key] }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
