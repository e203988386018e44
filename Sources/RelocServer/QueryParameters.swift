import Foundation

/// The parameters of a request's query string, decoded as HTML forms encode them (`+` is a
/// space, then percent-decoding), so that `camera=SIMPLE_RADIAL+1600+...` and
/// `camera=SIMPLE_RADIAL%201600%20...` read the same.
struct QueryParameters {
    private(set) var values: [String: String] = [:]

    /// - Throws: `BadRequest` for a malformed or repeated parameter.
    init(_ query: String?) throws {
        guard let query, !query.isEmpty else { return }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = Self.decode(pieces[0]), !key.isEmpty else { throw BadRequest("malformed query parameter '\(part)'") }
            guard let value = Self.decode(pieces.count > 1 ? pieces[1] : "") else {
                throw BadRequest("query parameter '\(key)' is not valid percent-encoding")
            }
            guard values[key] == nil else { throw BadRequest("query parameter '\(key)' given twice") }
            values[key] = value
        }
    }

    static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    subscript(_ key: String) -> String? { values[key] }

    /// - Throws: `BadRequest` naming the first parameter not in `known`.
    func check(known: Set<String>) throws {
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw BadRequest("unknown query parameter '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
    }
}

/// What a client got wrong, answered with 400 and this message.
struct BadRequest: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
