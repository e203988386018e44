/// Errors of the Formats module. Each carries the file (and line or byte offset) it concerns so
/// that a command can print `file:line: message`.
public enum FormatError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A malformed line in a text file (1-based line number).
    case parse(file: String, line: Int, message: String)
    /// Malformed or truncated binary data at a byte offset.
    case binary(file: String, offset: Int, message: String)
    /// A file-level problem: missing, unreadable, empty, inconsistent.
    case file(file: String, message: String)
    /// A bad value or combination of values given to a reader or writer (not from a file).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .parse(let file, let line, let message): return "\(file):\(line): \(message)"
        case .binary(let file, let offset, let message): return "\(file): at byte offset \(offset): \(message)"
        case .file(let file, let message): return "\(file): \(message)"
        case .invalidArgument(let message): return message
        }
    }
}
