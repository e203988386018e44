#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats a double so that it reads back exactly (17 significant digits, as
/// COLMAP's text writer does with `precision(17)`), without trailing zeros.
public func formatDouble(_ value: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 40)
    _ = withVaList([value]) { vsnprintf(&buffer, 40, "%.17g", $0) }
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
