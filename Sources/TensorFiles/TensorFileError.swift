/// Errors of the TensorFiles module: a weights file, checkpoint or archive that is missing,
/// truncated, malformed, or asks for what a reader refuses (code to run). Each names the file.
public enum TensorFileError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What is wrong with `file`; `message` says where (the byte or the entry) when it can.
    case invalid(file: String, message: String)

    public var description: String {
        switch self {
        case .invalid(let file, let message): return "\(file): \(message)"
        }
    }
}

extension ByteReader {
    /// A reader whose failures name `file` and the byte: `file: at byte N: …`.
    init(_ bytes: Bytes, file: String, offset: Int = 0) {
        self.init(bytes, offset: offset) { position, message in
            TensorFileError.invalid(file: file, message: "at byte \(position): \(message)")
        }
    }
}
