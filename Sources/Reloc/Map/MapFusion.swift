import Formats
import Foundation
import Geometry

/// Two maps of the same reference images, triangulated from different features, as one: each
/// image's 2D points are the first map's followed by the second's, and the second map's points
/// keep their tracks with ids moved past the first's. Localization then pools a query's 2D-3D
/// correspondences from both kinds of features in one RANSAC (`LocalizeTask.fusedRuns`).
enum MapFusion {
    /// Where each map's keypoints of an image start in the fused image, and how many there are.
    struct ImageRanges: Equatable, Sendable {
        var offsets: [Int]
        var counts: [Int]
    }

    /// - Parameters:
    ///   - maps: the models and the folders they were read from (named in errors); the first is
    ///     the primary, whose image ids and cameras the fused model keeps.
    /// - Returns: the fused model, and for each of its images (by name) each map's range of 2D points.
    /// - Throws: `RelocError.file` naming a map whose images are not the first map's (by name).
    static func fuse(_ maps: [(model: ColmapModel, folder: String)]) throws -> (model: ColmapModel, ranges: [String: ImageRanges]) {
        guard var fused = maps.first?.model else { throw RelocError.invalidArgument("no map to fuse") }
        let primaryByName = Dictionary(fused.images.values.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        var ranges: [String: ImageRanges] = [:]
        for image in fused.images.values { ranges[image.name] = ImageRanges(offsets: [0], counts: [image.points2D.count]) }
        for (model, folder) in maps.dropFirst() {
            let names = Set(model.images.values.map(\.name))
            if let missing = primaryByName.keys.sorted().first(where: { !names.contains($0) }) ?? names.sorted().first(where: { primaryByName[$0] == nil }) {
                throw RelocError.file(file: folder, message: "cannot fuse with \(maps[0].folder): image '\(missing)' is in one map and not the other (fused maps must come from the same reference images)")
            }
            // The same reference images: the same poses, not only the same names.
            for image in model.images.values {
                let own = fused.images[primaryByName[image.name]!]!.camFromWorld, theirs = image.camFromWorld
                let cosine = abs(own.rotation.w * theirs.rotation.w + own.rotation.x * theirs.rotation.x
                                 + own.rotation.y * theirs.rotation.y + own.rotation.z * theirs.rotation.z)
                let dq = abs(cosine - 1), shift = norm(own.translation - theirs.translation)
                guard dq < 1e-9, shift < 1e-6 * max(1, norm(own.translation)) else {
                    throw RelocError.file(file: folder, message: "cannot fuse with \(maps[0].folder): image '\(image.name)' has another pose in it (fused maps must come from the same reference model)")
                }
            }
            let idBase = (fused.points3D.keys.max() ?? 0) + 1
            // This map's image id -> (fused image id, where its 2D points start there).
            var placement: [UInt32: (id: UInt32, offset: Int)] = [:]
            for image in model.images.values {
                let id = primaryByName[image.name]!
                let offset = fused.images[id]!.points2D.count
                placement[image.id] = (id, offset)
                fused.images[id]!.points2D += image.points2D.map { point in
                    var point = point
                    point.point3DID = point.point3DID.map { $0 &+ idBase }
                    return point
                }
                ranges[image.name]!.offsets.append(offset)
                ranges[image.name]!.counts.append(image.points2D.count)
            }
            for (id, point) in model.points3D {
                let (fusedID, overflow) = id.addingReportingOverflow(idBase)
                guard !overflow else { throw RelocError.file(file: folder, message: "point id \(id) is too large to fuse with \(maps[0].folder)") }
                var point = point
                var track: [ColmapModel.TrackElement] = []
                track.reserveCapacity(point.track.count)
                for element in point.track {
                    guard let place = placement[element.imageID] else {
                        throw RelocError.file(file: folder, message: "point \(id) is observed by image \(element.imageID), which the map does not have")
                    }
                    track.append(ColmapModel.TrackElement(imageID: place.id, point2DIndex: element.point2DIndex + UInt32(place.offset)))
                }
                point.track = track
                fused.points3D[fusedID] = point
            }
        }
        return (fused, ranges)
    }
}
