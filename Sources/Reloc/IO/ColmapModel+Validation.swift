import Geometry

extension ColmapModel {
    /// Checks that every reference in the model resolves (cameras of images, 3D points of
    /// 2D points, tracks, rigs and frames) and, for models with frames, sets each image's
    /// `camFromWorld` from its frame as COLMAP ≥ 3.12 does (`sensor_from_rig · rig_from_world`).
    /// - Parameter names: file names used in error messages.
    /// - Throws: `RelocError.file` naming the file whose content is inconsistent.
    mutating func validate(names: ColmapFiles<String>) throws {
        var observations = 0
        for image in sortedImages {
            guard cameras[image.cameraID] != nil else {
                throw RelocError.file(file: names.images, message: "image \(image.id) ('\(image.name)') refers to CAMERA_ID \(image.cameraID), which \(names.cameras) does not define")
            }
            for (index, point) in image.points2D.enumerated() {
                guard let pid = point.point3DID else { continue }
                guard points3D[pid] != nil else {
                    throw RelocError.file(file: names.images, message: "image \(image.id) point \(index) refers to POINT3D_ID \(pid), which \(names.points3D) does not define")
                }
                observations += 1
            }
        }
        // Below, every track element must point back to its point and be met once (marked);
        // when the marks then number the observations, every observation is in its track.
        var marked: [UInt32: [Bool]] = [:]
        for (id, image) in images { marked[id] = [Bool](repeating: false, count: image.points2D.count) }
        var markedCount = 0
        for id in points3D.keys.sorted() {
            for element in points3D[id]!.track {
                guard let image = images[element.imageID] else {
                    throw RelocError.file(file: names.points3D, message: "point \(id) has a track element in image \(element.imageID), which \(names.images) does not define")
                }
                guard Int(element.point2DIndex) < image.points2D.count else {
                    throw RelocError.file(file: names.points3D, message: "point \(id): image \(element.imageID) has \(image.points2D.count) 2D points, track refers to index \(element.point2DIndex)")
                }
                guard image.points2D[Int(element.point2DIndex)].point3DID == id else {
                    throw RelocError.file(file: names.images, message: "image \(element.imageID) point \(element.point2DIndex) does not refer to point \(id), whose track contains it")
                }
                guard !marked[element.imageID]![Int(element.point2DIndex)] else {
                    throw RelocError.file(file: names.points3D, message: "the track of point \(id) lists image \(element.imageID) point \(element.point2DIndex) twice")
                }
                marked[element.imageID]![Int(element.point2DIndex)] = true
                markedCount += 1
            }
        }
        if markedCount != observations {
            // Find the observation missing from its point's track, for the message.
            for image in sortedImages {
                for (index, point) in image.points2D.enumerated() {
                    guard let pid = point.point3DID else { continue }
                    let element = TrackElement(imageID: image.id, point2DIndex: UInt32(index))
                    let track = points3D[pid]!.track
                    guard track.contains(element) else {
                        throw RelocError.file(file: names.points3D, message: "the track of point \(pid) lacks image \(image.id) point \(index), which observes it in \(names.images)")
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
                throw RelocError.file(file: framesFile, message: "frame \(id) refers to RIG_ID \(frame.rigID), which \(rigsFile) does not define")
            }
            for data in frame.dataIDs where data.sensor.type == .camera {
                guard data.id <= UInt64(UInt32.max) else {
                    throw RelocError.file(file: framesFile, message: "frame \(id): image id \(data.id) is out of range")
                }
                frameOfImage[UInt32(data.id)] = (frame, data.sensor)
            }
        }
        for imageID in images.keys.sorted() {
            guard let (frame, sensor) = frameOfImage[imageID] else {
                throw RelocError.file(file: framesFile, message: "no frame holds image \(imageID) ('\(images[imageID]!.name)')")
            }
            let rig = rigs[frame.rigID]!
            guard sensor.id == images[imageID]!.cameraID else {
                throw RelocError.file(file: framesFile, message: "frame \(frame.id) lists image \(imageID) under camera \(sensor.id), but the image uses camera \(images[imageID]!.cameraID)")
            }
            if rig.referenceSensor == sensor {
                images[imageID]!.camFromWorld = frame.rigFromWorld
            } else if let other = rig.otherSensors.first(where: { $0.sensor == sensor }) {
                guard let sensorFromRig = other.sensorFromRig else {
                    throw RelocError.file(file: rigsFile, message: "rig \(rig.id): camera \(sensor.id) has no pose, so image \(imageID) cannot be posed")
                }
                images[imageID]!.camFromWorld = sensorFromRig * frame.rigFromWorld
            } else {
                throw RelocError.file(file: rigsFile, message: "rig \(rig.id) has no camera \(sensor.id) (frame \(frame.id), image \(imageID))")
            }
        }
    }
}
