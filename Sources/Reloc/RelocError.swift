/// Errors of the Reloc module. Each carries the file (and line or byte offset)
/// it concerns so the CLI can print `file:line: message`.
public enum RelocError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A malformed line in a text file (1-based line number).
    case parse(file: String, line: Int, message: String)
    /// Malformed or truncated binary data at a byte offset.
    case binary(file: String, offset: Int, message: String)
    /// A file-level problem: missing, unreadable, empty, inconsistent.
    case file(file: String, message: String)
    /// A bad value or combination of values that is not about one setting.
    case invalidArgument(String)
    /// A setting out of its range, named as hloc and the CLI spell it without dashes (`top-k`),
    /// so that the CLI can say `--top-k must be positive` and a library caller `top-k: …`.
    case invalidOption(option: String, message: String)

    public var description: String {
        switch self {
        case .parse(let file, let line, let message): return "\(file):\(line): \(message)"
        case .binary(let file, let offset, let message): return "\(file): at byte offset \(offset): \(message)"
        case .file(let file, let message): return "\(file): \(message)"
        case .invalidArgument(let message): return message
        case .invalidOption(let option, let message): return "\(option): \(message)"
        }
    }
}
