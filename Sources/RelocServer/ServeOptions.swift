import Foundation

/// How `reloc serve` listens and how much work it takes on.
public struct ServeOptions: Sendable {
    /// Address to bind: loopback unless asked otherwise.
    public var host = "127.0.0.1"
    /// 0: any free port (the running server reports which).
    public var port = 8080
    /// Requests computed at once.
    public var workers = 1
    /// Requests waiting for a worker; beyond this, 503 with Retry-After.
    public var queue = 64
    /// Largest request body accepted (413 beyond).
    public var maxBodyBytes = 20 << 20
    /// With a token, every request needs `Authorization: Bearer <token>` (401 otherwise).
    public var token: String?
    /// A localization not answered this many seconds after it arrived gets 504.
    public var timeoutSeconds = 30.0

    public init() {}

    /// - Throws: `ServeError.invalidOption` for a value out of range.
    public func validate() throws {
        guard !host.isEmpty else { throw ServeError.invalidOption(option: "host", message: "must not be empty") }
        guard (0...65535).contains(port) else { throw ServeError.invalidOption(option: "port", message: "must be in 0...65535") }
        guard workers >= 1 && workers <= 256 else { throw ServeError.invalidOption(option: "workers", message: "must be in 1...256") }
        guard queue >= 0 else { throw ServeError.invalidOption(option: "queue", message: "must be ≥ 0") }
        guard maxBodyBytes > 0 else { throw ServeError.invalidOption(option: "max-body-mb", message: "must be positive") }
        guard timeoutSeconds > 0 && timeoutSeconds.isFinite else {
            throw ServeError.invalidOption(option: "timeout", message: "must be a positive number of seconds")
        }
        if let token, token.isEmpty { throw ServeError.invalidOption(option: "token-file", message: "the token is empty") }
    }

    /// The token of a token file: its content without surrounding white space.
    /// - Throws: `ServeError.file` naming the file when it cannot be read or holds no token.
    public static func token(file path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServeError.file(file: path, message: "cannot read the token file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ServeError.file(file: path, message: "the token file is not UTF-8 text")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ServeError.file(file: path, message: "the token file is empty") }
        guard !token.contains(where: { $0.isWhitespace }) else {
            throw ServeError.file(file: path, message: "the token must be one word (no spaces or line breaks inside)")
        }
        return token
    }
}

/// Errors of the server module, each naming the option or file concerned.
public enum ServeError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidOption(option: String, message: String)
    case file(file: String, message: String)
    /// The server could not start (e.g. the port is taken).
    case start(String)

    public var description: String {
        switch self {
        case .invalidOption(let option, let message): return "--\(option) \(message)"
        case .file(let file, let message): return "\(file): \(message)"
        case .start(let message): return message
        }
    }
}
