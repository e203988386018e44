/// Errors of the Features module. Each names the file it concerns, when there is one.
public enum FeaturesError: Error, Equatable, CustomStringConvertible, Sendable {
    /// An image that cannot be decoded (corrupt, truncated, empty, not an image).
    case unreadableImage(path: String, reason: String)
    /// An image that cannot be encoded or written.
    case unwritableImage(path: String, reason: String)
    /// An option outside its valid range.
    case invalidOption(String)
    /// A malformed or missing input file other than an image (weights); the message names it.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .unreadableImage(let path, let reason): return "\(path): cannot read image: \(reason)"
        case .unwritableImage(let path, let reason): return "\(path): cannot write image: \(reason)"
        case .invalidOption(let message), .invalidInput(let message): return message
        }
    }
}
