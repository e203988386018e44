import Foundation

// JSON text written by hand where a fixed key order and layout matter (evaluation.json, the
// per-query log's settings line, estimate-pose's lines); records go through JSONEncoder.

/// A JSON number: integers without a fraction, others in the shortest form that reads back
/// to the same double (0.1, not 0.10000000000000001).
package func jsonNumber(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}

/// A JSON string literal with the required escapes.
package func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}
