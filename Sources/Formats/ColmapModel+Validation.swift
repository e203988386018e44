import Geometry

extension ColmapModel {
    /// Checks that every reference in the model resolves (cameras of images, 3D points of
    /// 2D points, tracks, rigs and frames) and, for models with frames, sets each image's
    /// `camFromWorld` from its frame as COLMAP ≥ 3.12 does (`sensor_from_rig · rig_from_world`).
    /// - Parameter names: file names used in error messages.
    /// - Throws: `FormatError.file` naming the file whose content is inconsistent.
    mutating func validate(names: ColmapFiles<String>) throws {
        // Flat per-observation tables (image by image, in id order): the 3D point of each 2D
        // point and a mark; an Aachen-sized model has tens of millions of observations, too many
        // for a dictionary lookup and a copy of the image per track element.
        let sorted = sortedImages
        var denseIndex: [UInt32: Int] = [:]
        denseIndex.reserveCapacity(sorted.count)
        var offsets = [0]
        offsets.reserveCapacity(sorted.count + 1)
        var pointOf: [UInt64] = []
        pointOf.reserveCapacity(sorted.reduce(0) { $0 + $1.points2D.count })
        var observations = 0
        for (k, image) in sorted.enumerated() {
            guard cameras[image.cameraID] != nil else {
                throw FormatError.file(file: names.images, message: "image \(image.id) ('\(image.name)') refers to CAMERA_ID \(image.cameraID), which \(names.cameras) does not define")
            }
            denseIndex[image.id] = k
            for (index, point) in image.points2D.enumerated() {
                guard let pid = point.point3DID else {
                    pointOf.append(Self.invalidPoint3DID)
                    continue
                }
                guard pid != Self.invalidPoint3DID else {
                    throw FormatError.file(file: names.images, message: "image \(image.id) point \(index) refers to POINT3D_ID \(pid), the id COLMAP reserves for 'no point'")
                }
                pointOf.append(pid)
                observations += 1
            }
            offsets.append(pointOf.count)
        }
        // Below, every track element must point back to its point and be met once (marked);
        // when the marks then number the observations, every observation is in its track.
        // The points are visited in storage order (no lookup per point); on a failure the check
        // is redone in id order, so that the error reported is always the same one.
        var marked = [Bool](repeating: false, count: pointOf.count)
        var markedCount = 0
        func check(_ id: UInt64, _ track: [TrackElement]) throws {
            guard id != Self.invalidPoint3DID else {
                throw FormatError.file(file: names.points3D, message: "POINT3D_ID \(id) is the id COLMAP reserves for 'no point'")
            }
            for element in track {
                guard let k = denseIndex[element.imageID] else {
                    throw FormatError.file(file: names.points3D, message: "point \(id) has a track element in image \(element.imageID), which \(names.images) does not define")
                }
                let count = offsets[k + 1] - offsets[k]
                guard Int(element.point2DIndex) < count else {
                    throw FormatError.file(file: names.points3D, message: "point \(id): image \(element.imageID) has \(count) 2D points, track refers to index \(element.point2DIndex)")
                }
                let flat = offsets[k] + Int(element.point2DIndex)
                guard pointOf[flat] == id else {
                    throw FormatError.file(file: names.images, message: "image \(element.imageID) point \(element.point2DIndex) does not refer to point \(id), whose track contains it")
                }
                guard !marked[flat] else {
                    throw FormatError.file(file: names.points3D, message: "the track of point \(id) lists image \(element.imageID) point \(element.point2DIndex) twice")
                }
                marked[flat] = true
                markedCount += 1
            }
        }
        do {
            for (id, point) in points3D { try check(id, point.track) }
        } catch {
            marked = [Bool](repeating: false, count: pointOf.count)
            for id in points3D.keys.sorted() { try check(id, points3D[id]!.track) }
            throw error
        }
        if markedCount != observations {
            // Find the observation whose point is missing or lacks it in its track, for the message.
            for image in sorted {
                for (index, point) in image.points2D.enumerated() {
                    guard let pid = point.point3DID else { continue }
                    guard let track = points3D[pid]?.track else {
                        throw FormatError.file(file: names.images, message: "image \(image.id) point \(index) refers to POINT3D_ID \(pid), which \(names.points3D) does not define")
                    }
                    let element = TrackElement(imageID: image.id, point2DIndex: UInt32(index))
                    guard track.contains(element) else {
                        throw FormatError.file(file: names.points3D, message: "the track of point \(pid) lacks image \(image.id) point \(index), which observes it in \(names.images)")
                    }
                }
            }
        }
        try applyFrames(names: names)
    }

    /// Resolves image poses through frames and rigs (only for models that have them).
    private mutating func applyFrames(names: ColmapFiles<String>) throws {
        guard !rigs.isEmpty || !frames.isEmpty else { return }
        let framesFile = names.frames ?? "frames", rigsFile = names.rigs ?? "rigs"
        var frameOfImage: [UInt32: (Frame, SensorID)] = [:]
        for id in frames.keys.sorted() {
            let frame = frames[id]!
            guard rigs[frame.rigID] != nil else {
                throw FormatError.file(file: framesFile, message: "frame \(id) refers to RIG_ID \(frame.rigID), which \(rigsFile) does not define")
            }
            for data in frame.dataIDs where data.sensor.type == .camera {
                guard data.id <= UInt64(UInt32.max) else {
                    throw FormatError.file(file: framesFile, message: "frame \(id): image id \(data.id) is out of range")
                }
                frameOfImage[UInt32(data.id)] = (frame, data.sensor)
            }
        }
        for imageID in images.keys.sorted() {
            guard let (frame, sensor) = frameOfImage[imageID] else {
                throw FormatError.file(file: framesFile, message: "no frame holds image \(imageID) ('\(images[imageID]!.name)')")
            }
            let rig = rigs[frame.rigID]!
            guard sensor.id == images[imageID]!.cameraID else {
                throw FormatError.file(file: framesFile, message: "frame \(frame.id) lists image \(imageID) under camera \(sensor.id), but the image uses camera \(images[imageID]!.cameraID)")
            }
            if rig.referenceSensor == sensor {
                images[imageID]!.camFromWorld = frame.rigFromWorld
            } else if let other = rig.otherSensors.first(where: { $0.sensor == sensor }) {
                guard let sensorFromRig = other.sensorFromRig else {
                    throw FormatError.file(file: rigsFile, message: "rig \(rig.id): camera \(sensor.id) has no pose, so image \(imageID) cannot be posed")
                }
                images[imageID]!.camFromWorld = sensorFromRig * frame.rigFromWorld
            } else {
                throw FormatError.file(file: rigsFile, message: "rig \(rig.id) has no camera \(sensor.id) (frame \(frame.id), image \(imageID))")
            }
        }
    }
}
