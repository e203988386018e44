import Geometry

extension ColmapModel {
    /// A human-readable summary, as `reloc model info` prints it: counts, cameras,
    /// mean track length, mean observations per image, and the mean reprojection error
    /// recomputed from the poses when the model has points.
    public func summary() -> String {
        var out = ""
        out += "cameras:            \(cameras.count)\n"
        out += "images:             \(images.count)\n"
        out += "points3D:           \(points3D.count)\n"
        if !rigs.isEmpty || !frames.isEmpty {
            out += "rigs:               \(rigs.count)\n"
            out += "frames:             \(frames.count)\n"
        }
        out += "observations:       \(observationCount)\n"
        out += "mean track length:  \(String(format: "%.3f", meanTrackLength))\n"
        out += "mean obs per image: \(String(format: "%.3f", meanObservationsPerImage))\n"
        if let error = meanReprojectionError {
            out += "mean reproj error:  \(String(format: "%.4f", error)) px\n"
        }
        let imagesPerCamera = Dictionary(grouping: images.values, by: \.cameraID).mapValues(\.count)
        for id in cameras.keys.sorted() {
            out += "camera \(id): \(cameras[id]!.colmapDescription)  (\(imagesPerCamera[id] ?? 0) images)\n"
        }
        return out
    }
}

import Foundation
