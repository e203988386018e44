import Foundation

/// Cumulative error curves as inline SVG: for each run, the percentage of queries whose error is
/// at most x, x on a log scale, with thresholds marked as dashed vertical lines.
enum ErrorCurve {
    struct Series {
        var label: String
        var color: String
        var values: [Double]
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    /// - Parameters:
    ///   - decades: log10 of the x range, e.g. (-3, 1) for 1 mm … 10 m.
    static func svg(title: String, unit: String, series: [Series], decades: (Int, Int), thresholds: [Double]) -> String {
        let width = 440.0, height = 250.0
        let left = 46.0, right = 12.0, top = 26.0, bottom = 36.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let lo = Double(decades.0), hi = Double(decades.1)
        func x(_ value: Double) -> Double {
            let v = min(max(log10(max(value, 1e-300)), lo), hi)
            return left + (v - lo) / (hi - lo) * plotWidth
        }
        func y(_ fraction: Double) -> Double { top + (1 - fraction) * plotHeight }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" class=\"curve\">"
        svg += "<text x=\"\(left)\" y=\"16\" class=\"title\">\(escapeHTML(title))</text>"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"#999\"/>"
        for percent in stride(from: 0, through: 100, by: 25) {
            let py = format(y(Double(percent) / 100))
            svg += "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(py)\" y2=\"\(py)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(py)\" text-anchor=\"end\" dominant-baseline=\"middle\" class=\"tick\">\(percent)%</text>"
        }
        for decade in decades.0...decades.1 {
            let px = format(x(pow(10, Double(decade))))
            svg += "<line x1=\"\(px)\" x2=\"\(px)\" y1=\"\(top)\" y2=\"\(top + plotHeight)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(px)\" y=\"\(top + plotHeight + 14)\" text-anchor=\"middle\" class=\"tick\">\(formatDecade(decade))</text>"
        }
        svg += "<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 4)\" text-anchor=\"middle\" class=\"tick\">\(escapeHTML(unit)) (log scale)</text>"
        for threshold in thresholds {
            let px = format(x(threshold))
            svg += "<line x1=\"\(px)\" x2=\"\(px)\" y1=\"\(top)\" y2=\"\(top + plotHeight)\" stroke=\"#555\" stroke-dasharray=\"4 3\"><title>\(threshold) \(escapeHTML(unit))</title></line>"
        }
        for (k, s) in series.enumerated() {
            guard !s.values.isEmpty else { continue }
            let sorted = s.values.sorted()
            var path = "M\(format(left)),\(format(y(0)))"
            for (i, value) in sorted.enumerated() where value.isFinite {
                path += " H\(format(x(value))) V\(format(y(Double(i + 1) / Double(sorted.count))))"
            }
            path += " H\(format(left + plotWidth))"
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(left + 6)\" y=\"\(top + 14 + 14 * Double(k))\" fill=\"\(s.color)\" class=\"tick\">\(escapeHTML(s.label)) (\(sorted.count))</text>"
        }
        return svg + "</svg>"
    }

    static func formatDecade(_ decade: Int) -> String {
        decade >= 0 ? String(Int(pow(10, Double(decade)))) : String(format: "%.\(-decade)f", pow(10, Double(decade)))
    }

    static func format(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// Text made safe for HTML and SVG.
func escapeHTML(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
