import Foundation
import Geometry

/// How much of what a synthetic query sees its database sees too, in a way that local features
/// can match: the test `reloc synth` places its queries by, and what `coverage.txt` records.
///
/// The query's view is sampled on a grid of pixels; each ray's first surface hit is a point the
/// query sees (its own depth, so nothing occluded). A database image *sees a point matchably*
/// when the point projects inside it, the ray from its centre reaches the point first (not
/// occluded), and the two views differ moderately: the viewing directions by at most
/// `maxViewAngleChangeDegrees`, and the point's image scale (focal length over depth) by at
/// most a factor `maxScaleChange`. A point is *covered* when at least `minimumCoveringImages`
/// database images see it matchably (two: a map point is triangulated from two of them), and a
/// query is covered when at least `minimumShare` of its points are.
///
/// The limits are what SIFT still matches reliably — its descriptors tolerate about 30–40° of
/// out-of-plane rotation and its scale space a factor of two between octaves without loss — so
/// that a covered query is one that every feature kind reloc has can, in principle, localize.
/// The share, 0.3, comes from the generator before coverage (05171cb, default preset): on seed
/// 1 the two queries with no map point fitting their true pose had share 0 and the one lost to
/// repeated structure 0.11; seed 2 had five queries below 0.2, as many as LightGlue's failures
/// there; SIFT localized day queries down to 0.26 and missed night ones up to 0.88. A higher floor would reject more of the hard but possible poses, and make the data
/// easier than the draw it comes from.
public struct SyntheticCoverage: Sendable, Equatable {
    /// The limits of a matchable view and of a covered query.
    public struct Limits: Sendable, Equatable {
        /// The largest angle between the query's and a database image's rays to a point.
        public var maxViewAngleChangeDegrees = 30.0
        /// The largest ratio between the point's image scales (focal / depth), either way.
        public var maxScaleChange = 2.0
        /// Database images that must see a point matchably for it to count as covered.
        public var minimumCoveringImages = 2
        /// The share of the query's points that must be covered.
        public var minimumShare = 0.3
        /// Database images counted as covering the query see at least this share of its points.
        public var imageShare = 0.1
        /// The sampling grid over the query image (columns; rows follow the aspect ratio).
        public var gridColumns = 32

        public init() {}
    }

    /// The share of the query's sampled surface points that are covered (0 when it sees only sky).
    public var share: Double
    /// Database images that see at least `Limits.imageShare` of the query's points matchably.
    public var coveringImages: Int
    /// The query's sampled surface points (grid rays that hit a surface).
    public var points: Int
    /// The covered ones.
    public var coveredPoints: Int

    /// Whether this is covered under `limits`.
    public func isCovered(_ limits: Limits = Limits()) -> Bool { share >= limits.minimumShare }

    /// The coverage of a query view by the database views in `scene`.
    public static func measure(query: SyntheticView, database: [SyntheticView], scene: SyntheticScene,
                               limits: Limits = Limits()) -> SyntheticCoverage {
        measure(queries: [query], database: database, scene: scene, limits: limits)[0]
    }

    /// The coverage of several query views, and (last element) of all their points together:
    /// a rig frame's cameras and the frame as a whole.
    public static func measure(queries: [SyntheticView], database: [SyntheticView], scene: SyntheticScene,
                               limits: Limits = Limits()) -> [SyntheticCoverage] {
        let databaseCentres = database.map { $0.camFromWorld.cameraCenter }
        let maxAngleCosine = cos(limits.maxViewAngleChangeDegrees * .pi / 180)
        var results: [SyntheticCoverage] = []
        var total = (points: 0, covered: 0, seen: [Int](repeating: 0, count: database.count))
        for query in queries {
            let points = surfacePoints(of: query, scene: scene, columns: limits.gridColumns)
            let queryCentre = query.camFromWorld.cameraCenter
            let queryFocal = query.camera.meanFocal
            var seenBy = [Int](repeating: 0, count: database.count)
            var covered = 0
            for point in points {
                let toQuery = point - queryCentre
                let queryDistance = norm(toQuery)
                let queryScale = queryFocal / max(queryDistance, 1e-9)
                var seeing = 0
                for (index, view) in database.enumerated() {
                    let toDatabase = point - databaseCentres[index]
                    let distance = norm(toDatabase)
                    guard dot(toQuery, toDatabase) >= maxAngleCosine * queryDistance * distance else { continue }
                    let depth = view.camFromWorld.apply(point).z
                    guard depth > 1e-6 else { continue }
                    let scale = view.camera.meanFocal / depth
                    let ratio = scale > queryScale ? scale / queryScale : queryScale / scale
                    guard ratio <= limits.maxScaleChange,
                          let pixel = view.camera.imageFromCamera(view.camFromWorld.apply(point)),
                          pixel.x >= 0, pixel.y >= 0, pixel.x < Double(view.camera.width), pixel.y < Double(view.camera.height),
                          isVisible(point, from: databaseCentres[index], distance: distance, scene: scene) else { continue }
                    seeing += 1
                    seenBy[index] += 1
                }
                if seeing >= limits.minimumCoveringImages { covered += 1 }
            }
            results.append(summary(points: points.count, covered: covered, seenBy: seenBy, limits: limits))
            total.points += points.count
            total.covered += covered
            for index in seenBy.indices { total.seen[index] += seenBy[index] }
        }
        results.append(summary(points: total.points, covered: total.covered, seenBy: total.seen, limits: limits))
        return results
    }

    private static func summary(points: Int, covered: Int, seenBy: [Int], limits: Limits) -> SyntheticCoverage {
        let share = points > 0 ? Double(covered) / Double(points) : 0
        let coveringImages = points > 0 ? seenBy.filter { Double($0) >= limits.imageShare * Double(points) }.count : 0
        return SyntheticCoverage(share: share, coveringImages: coveringImages, points: points, coveredPoints: covered)
    }

    /// The first surface hits of rays through a grid of pixel centres (columns × rows following
    /// the aspect ratio); sky rays give none.
    static func surfacePoints(of view: SyntheticView, scene: SyntheticScene, columns: Int) -> [Vector3] {
        let camera = view.camera
        let rows = max(1, Int((Double(columns) * Double(camera.height) / Double(camera.width)).rounded()))
        let worldFromCam = view.camFromWorld.inverse
        var points: [Vector3] = []
        points.reserveCapacity(columns * rows)
        for row in 0..<rows {
            for column in 0..<columns {
                let pixel = Vector2((Double(column) + 0.5) * Double(camera.width) / Double(columns),
                                    (Double(row) + 0.5) * Double(camera.height) / Double(rows))
                let uv = camera.normalizedFromImage(pixel)
                let direction = normalized(worldFromCam.rotation.rotate(Vector3(uv.x, uv.y, 1)))
                if let hit = scene.intersect(origin: worldFromCam.translation, direction: direction) { points.append(hit.point) }
            }
        }
        return points
    }

    /// Whether the ray from `centre` reaches `point` before any other surface.
    static func isVisible(_ point: Vector3, from centre: Vector3, distance: Double, scene: SyntheticScene) -> Bool {
        guard let hit = scene.intersect(origin: centre, direction: (point - centre) / distance) else { return false }
        return hit.distance >= distance - (0.01 + 1e-4 * distance)
    }
}

extension SyntheticCoverage.Limits {
    /// `coverage.txt`'s header: what the figures mean under these limits.
    public var coverageFileHeader: [String] {
        let g = { (value: Double) in String(format: "%g", value) }
        return ["Coverage of each query by the database (reloc synth). share: of the query's surface points (first hits of",
                "a \(gridColumns)-column grid of rays), those that at least \(minimumCoveringImages) database images see unoccluded, within \(g(maxViewAngleChangeDegrees))°",
                "of the query's viewing direction and a factor \(g(maxScaleChange)) of its image scale. covering_images: database images that",
                "see at least \(g(imageShare * 100)) % of them so. A query is covered when its share is at least \(g(minimumShare))."]
    }
}
