import Foundation
import Geometry

/// One line of a text file with its 1-based number, for parsers that report
/// `file:line` errors.
package struct TextLine {
    package let file: String
    package let number: Int
    package let text: Substring

    /// Whitespace-separated fields (spaces and tabs; a trailing CR is ignored). Split on the
    /// UTF-8 bytes: Character-level splitting made large models read at a few MB/s.
    package var fields: [Substring] {
        text.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }).map { Substring($0) }
    }

    /// True for blank lines and `#` comments.
    package var isBlankOrComment: Bool {
        let trimmed = text.drop(while: { $0 == " " || $0 == "\t" })
        return trimmed.isEmpty || trimmed.first == "#" || trimmed == "\r"
    }

    package func error(_ message: String) -> FormatError { .parse(file: file, line: number, message: message) }

    package func double(_ field: Substring, _ what: String) throws -> Double {
        guard let value = Double(field), value.isFinite else {
            throw error("\(what): '\(field)' is not a finite number")
        }
        return value
    }

    package func integer<T: FixedWidthInteger>(_ field: Substring, _ what: String, as type: T.Type = T.self) throws -> T {
        guard let value = T(field) else { throw error("\(what): '\(field)' is not a valid \(T.self) integer") }
        return value
    }
}

/// Splits text into numbered lines (LF or CRLF endings).
package func textLines(_ text: String, file: String) -> [TextLine] {
    var result: [TextLine] = []
    var number = 0
    // Split on the byte 0x0A; a CR before it (CRLF files) is dropped.
    for bytes in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
        number += 1
        let content = bytes.last == 0x0D ? bytes.dropLast() : bytes
        result.append(TextLine(file: file, number: number, text: Substring(content)))
    }
    // A final newline produces one empty trailing element: not a line.
    if let last = result.last, last.text.isEmpty, text.hasSuffix("\n") { result.removeLast() }
    return result
}

/// Reads a whole file as UTF-8 text.
/// - Throws: `FormatError.file` naming the path if it is missing, unreadable or not UTF-8.
package func readTextFile(_ path: String) throws -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw FormatError.file(file: path, message: "no such file")
    }
    guard !isDirectory.boolValue else { throw FormatError.file(file: path, message: "is a directory, expected a file") }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw FormatError.file(file: path, message: "cannot read file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw FormatError.file(file: path, message: "not UTF-8 text")
    }
    return text
}

/// Reads a whole file as bytes.
package func readBinaryFile(_ path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else { throw FormatError.file(file: path, message: "no such file") }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw FormatError.file(file: path, message: "cannot read file")
    }
    return [UInt8](data)
}

/// Parses a camera from fields `MODEL WIDTH HEIGHT params...` (cameras.txt after the id,
/// query lists after the name, `--camera` on the command line).
package func parseCamera(_ fields: ArraySlice<Substring>, line: TextLine) throws -> Camera {
    guard fields.count >= 3 else { throw line.error("expected MODEL WIDTH HEIGHT PARAMS..., got \(fields.count) fields") }
    let start = fields.startIndex
    let modelName = String(fields[start])
    guard let model = CameraModel(name: modelName) else {
        throw line.error(GeometryError.unknownCameraModel(modelName).description)
    }
    let width: Int = try line.integer(fields[start + 1], "width")
    let height: Int = try line.integer(fields[start + 2], "height")
    let params = try fields[(start + 3)...].map { try line.double($0, "camera parameter") }
    do {
        return try Camera(model: model, width: width, height: height, params: params)
    } catch let error as GeometryError {
        throw line.error(error.description)
    }
}
