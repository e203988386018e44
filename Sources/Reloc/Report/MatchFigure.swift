import Features
import Formats
import Foundation
import Geometry

/// A query and its best database image side by side (reduced JPEGs embedded in SVG) with the
/// 2D-3D correspondences drawn: green where the 3D point projects within the RANSAC threshold
/// under the query's final pose (inliers), red otherwise.
struct MatchFigure {
    var svg: String
    var databaseImage: String
    var inliers: Int
    var outliers: Int

    /// Inputs that stay open while the figures of a run are drawn.
    final class Sources {
        let files: RunFiles
        let features: FeatureStore
        let matches: MatchStore
        let map: MapIndex
        let retrieved: [String: [String]]
        let cameras: [String: Camera]
        let threshold: Double

        init(files: RunFiles, threshold: Double) throws {
            self.files = files
            self.threshold = threshold
            features = try FeatureStore(path: files.features, mode: .read)
            matches = try MatchStore(path: files.queryMatches, mode: .read)
            map = try MapIndex(folder: files.map, keepPixels: true)
            var retrieved: [String: [String]] = [:]
            for pair in try PairsFile.read(path: files.queryPairs) { retrieved[pair.first, default: []].append(pair.second) }
            self.retrieved = retrieved
            var cameras: [String: Camera] = [:]
            for list in files.queryLists { for entry in try QueryList.read(path: list) { cameras[entry.name] = entry.camera } }
            self.cameras = cameras
        }
    }

    /// nil when the query has no features, no retrieved image in the map, or an unreadable image.
    static func draw(query: String, pose: Rigid3, sources: Sources, maxEdge: Int = 480, maxLines: Int = 250) -> MatchFigure? {
        guard let camera = sources.cameras[query], sources.features.contains(query),
              let keypoints = try? sources.features.keypoints(query, inPixelsOf: camera) else { return nil }
        // The retrieved image with the most inliers under the final pose.
        var best: (index: Int, lines: [(q: Vector2, d: Vector2, inlier: Bool)], inliers: Int)?
        for name in sources.retrieved[query] ?? [] {
            guard let i = sources.map.index[name], let pairMatches = try? sources.matches.read(query, name) else { continue }
            var lines: [(q: Vector2, d: Vector2, inlier: Bool)] = []
            var inliers = 0
            for m in pairMatches where m.index0 < keypoints.count && m.index1 < sources.map.keypointCount(i) {
                guard let number = sources.map.point(image: i, keypoint: m.index1) else { continue }
                let point = sources.map.position(number)
                let pixel = keypoints[m.index0]
                let projected = camera.imageFromCamera(pose.apply(point))
                let inlier = projected.map { norm($0 - pixel) <= sources.threshold } ?? false
                if inlier { inliers += 1 }
                lines.append((pixel, sources.map.imagePixels[i][m.index1], inlier))
            }
            if best == nil || inliers > best!.inliers || (inliers == best!.inliers && lines.count > best!.lines.count) {
                best = (i, lines, inliers)
            }
        }
        guard let best else { return nil }
        let databaseName = sources.map.images[best.index].name
        guard let left = try? Thumbnail(path: (sources.files.imageFolder as NSString).appendingPathComponent(query), maxEdge: maxEdge),
              let right = try? Thumbnail(path: (sources.files.imageFolder as NSString).appendingPathComponent(databaseName), maxEdge: maxEdge)
        else { return nil }
        // Keypoints are in the cameras' pixels; thumbnails scale them.
        let databaseCamera = sources.map.cameras[best.index]
        let sq = Vector2(Double(left.width) / Double(camera.width), Double(left.height) / Double(camera.height))
        let sd = Vector2(Double(right.width) / Double(databaseCamera.width), Double(right.height) / Double(databaseCamera.height))
        let gap = 8.0
        let width = Double(left.width + right.width) + gap, height = Double(max(left.height, right.height))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        svg += "<image href=\"data:image/jpeg;base64,\(left.base64)\" x=\"0\" y=\"0\" width=\"\(left.width)\" height=\"\(left.height)\"/>"
        svg += "<image href=\"data:image/jpeg;base64,\(right.base64)\" x=\"\(Double(left.width) + gap)\" y=\"0\" width=\"\(right.width)\" height=\"\(right.height)\"/>"
        // A deterministic subset when there are many lines; outliers drawn first, inliers on top.
        var lines = best.lines
        if lines.count > maxLines {
            let step = Double(lines.count) / Double(maxLines)
            lines = (0..<maxLines).map { lines[Int(Double($0) * step)] }
        }
        for line in lines.sorted(by: { !$0.inlier && $1.inlier }) {
            let a = line.q * sq, b = line.d * sd + Vector2(Double(left.width) + gap, 0)
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"1\" stroke-opacity=\"0.75\"/>",
                          a.x, a.y, b.x, b.y, line.inlier ? "#2ca02c" : "#d62728")
        }
        svg += "</svg>"
        return MatchFigure(svg: svg, databaseImage: databaseName, inliers: best.inliers, outliers: best.lines.count - best.inliers)
    }
}

/// A reduced JPEG of an image (box filter), base64 for embedding.
struct Thumbnail {
    var width: Int
    var height: Int
    var base64: String

    init(path: String, maxEdge: Int) throws {
        let image = try ImageFile.read(path: path, channels: 3)
        let factor = max(1, Int((Double(max(image.width, image.height)) / Double(maxEdge)).rounded(.up)))
        width = max(1, image.width / factor)
        height = max(1, image.height / factor)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    var sum = 0
                    for dy in 0..<factor { for dx in 0..<factor { sum += Int(image.pixels[((y * factor + dy) * image.width + x * factor + dx) * 3 + c]) } }
                    pixels[(y * width + x) * 3 + c] = UInt8(sum / (factor * factor))
                }
            }
        }
        let reduced = Image8(width: width, height: height, channels: 3, pixels: pixels)
        base64 = Data(try JPEG.encode(reduced, quality: 80)).base64EncodedString()
    }
}
