/// Errors of the Reloc module: the stages' and the service's. A file that cannot be parsed is the
/// Formats module's `FormatError` (with its line or byte offset), a weights file TensorFiles'
/// `TensorFileError`; each names the file, so the CLI prints any of them as it is.
public enum RelocError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A file-level problem: missing, unwritable, inconsistent with the run.
    case file(file: String, message: String)
    /// A bad value or combination of values that is not about one setting.
    case invalidArgument(String)
    /// A setting out of its range, named as hloc and the CLI spell it without dashes (`top-k`),
    /// so that the CLI can say `--top-k must be positive` and a library caller `top-k: …`.
    case invalidOption(option: String, message: String)

    public var description: String {
        switch self {
        case .file(let file, let message): return "\(file): \(message)"
        case .invalidArgument(let message): return message
        case .invalidOption(let option, let message): return "\(option): \(message)"
        }
    }
}
