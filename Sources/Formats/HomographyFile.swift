import Foundation

/// A 3×3 homography file (row-major; HPatches' `H_1_k`, or OpenCV's XML/YAML matrix).
public enum HomographyFile {
    /// Reads a 3×3 homography: 9 numbers as text, or an OpenCV XML/YAML file's `<data>` block.
    /// - Throws: `FormatError.file` naming the file when it does not hold 9 finite numbers.
    public static func read(path: String) throws -> [Double] {
        var text = try readTextFile(path)
        if let start = text.range(of: "<data>"), let end = text.range(of: "</data>") {
            text = String(text[start.upperBound..<end.lowerBound])
        }
        let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "," })
            .compactMap { Double($0) }
        guard numbers.count == 9, numbers.allSatisfy({ $0.isFinite }) else {
            throw FormatError.file(file: path, message: "expected a 3x3 homography (9 numbers), found \(numbers.count)")
        }
        return numbers
    }
}
