import Geometry

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only UTF-8 byte buffer for writing large text files (COLMAP models) without
/// building millions of intermediate Strings. Doubles are written as `%.17g`, like
/// `formatDouble` and COLMAP's text writer.
package struct TextBuffer {
    private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating package func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating package func append(_ byte: UInt8) { bytes.append(byte) }

    mutating package func append<T: BinaryInteger>(integer value: T) { bytes.append(contentsOf: String(value).utf8) }

    mutating package func append(double value: Double) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            let count = withVaList([value]) { vsnprintf(buffer.baseAddress, 32, "%.17g", $0) }
            buffer.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: 32) { raw in
                bytes.append(contentsOf: UnsafeBufferPointer(start: raw, count: Int(min(count, 31))))
            }
        }
    }

    mutating package func space() { bytes.append(0x20) }
    mutating package func newline() { bytes.append(0x0A) }

    package var string: String { String(decoding: bytes, as: UTF8.self) }
}
