import Formats
import Foundation
import Geometry

extension LocalizeTask {
    /// One query of a unit of work, with its place in a rig when it has one.
    struct UnitMember: Sendable {
        var entry: QueryEntry
        var membership: RigConfig.Membership?
        var sensor: Int? { membership?.sensor }
    }

    /// The queries as units of work: without a rig, one per query; with one, the images of each
    /// frame together (in the order their first image is listed) and images of no rig alone.
    static func units(_ queries: [QueryEntry], rig: RigConfig?) -> [[UnitMember]] {
        guard let rig else { return queries.map { [UnitMember(entry: $0, membership: nil)] } }
        var units: [[UnitMember]] = []
        var frameUnit: [String: Int] = [:]
        for entry in queries {
            guard let membership = rig.membership(of: entry.name) else {
                units.append([UnitMember(entry: entry, membership: nil)])
                continue
            }
            let key = "\(membership.rig)/\(membership.frame)"
            if let index = frameUnit[key] {
                units[index].append(UnitMember(entry: entry, membership: membership))
            } else {
                frameUnit[key] = units.count
                units.append([UnitMember(entry: entry, membership: membership)])
            }
        }
        return units
    }

    /// A frame's name in the log and rig_poses.txt: the name after the prefix, `rigN/` first when
    /// there are several rigs.
    static func frameName(_ membership: RigConfig.Membership, rigCount: Int) -> String {
        rigCount > 1 ? "rig\(membership.rig)/\(membership.frame)" : membership.frame
    }

    /// Localizes one rig frame: the 2D-3D correspondences of every image (through all its retrieved
    /// images) go to `estimateGeneralizedAbsolutePose` with each image's camera at its cam_from_rig;
    /// each image's pose is then cam_from_rig × rig_from_world. Images without features simply
    /// contribute nothing; a frame with one usable camera is single-camera P3P. When the frame gets
    /// no pose with at least `minInliers` inliers over all cameras, each image gets its fallback.
    static func localizeFrame(_ members: [(sensor: Int, input: QueryInput)], rig: RigConfig.Rig, frame: String, map: MapIndex,
                              settings: UnitSettings) -> [LocalizationLogEntry] {
        let start = Date()
        var entries = members.map { fallbackEntry($0.input, map: map) }
        var cameras: [RigCamera] = [], points2D: [[Vector2]] = [], points3D: [[Vector3]] = []
        for (k, member) in members.enumerated() {
            cameras.append(RigCamera(camera: member.input.entry.camera, camFromRig: rig.sensors[member.sensor].camFromRig))
            entries[k].clusters = 1
            if let keypoints = member.input.keypoints, !member.input.retrieved.isEmpty {
                let (p2, p3, _) = correspondences(member.input, keypoints: keypoints, cluster: member.input.retrieved, map: map)
                points2D.append(p2)
                points3D.append(p3)
                entries[k].correspondences = p2.count
            } else {
                points2D.append([])
                points3D.append([])
            }
        }
        let result = (try? estimateGeneralizedAbsolutePose(points2D: points2D, points3D: points3D, cameras: cameras, options: settings.options)) ?? nil
        let used = points2D.filter { !$0.isEmpty }.count
        // The rig pose a fallback frame reports: its first image's fallback pose carried to the rig.
        var rigFromWorld = cameras[0].camFromRig.inverse * pose(entries[0].pose)
        for k in entries.indices {
            entries[k].frame = frame
            entries[k].rigCameras = used
            if let result {
                entries[k].inliers = result.inlierMasks[k].filter { $0 }.count
                entries[k].rigInliers = result.inlierCount
                entries[k].ransacIterations = result.ransacIterations
            }
        }
        if let result, result.inlierCount >= settings.minInliers {
            rigFromWorld = result.rigFromWorld
            for k in entries.indices {
                entries[k].localized = true
                entries[k].pose = values(cameras[k].camFromRig * result.rigFromWorld)
            }
        } else {
            let reason = result == nil ? "no rig pose found" : "only \(result!.inlierCount) inliers over the rig, fewer than \(settings.minInliers)"
            for k in entries.indices {
                entries[k].fallback = members[k].input.keypoints == nil ? "no features; \(reason)" : "\(reason) (pose of the top retrieved image)"
            }
        }
        let seconds = Date().timeIntervalSince(start)
        for k in entries.indices {
            entries[k].rigFromWorld = values(rigFromWorld)
            entries[k].seconds = seconds / Double(entries.count)
        }
        return entries
    }

    /// rig_poses.txt: one line per frame, `FRAME qw qx qy qz tx ty tz` (rig_from_world), in the
    /// order the frames' first images are listed.
    func writeRigPoses(_ queries: [QueryEntry], done: [String: LocalizationLogEntry]) throws {
        var seen = Set<String>()
        var text = ""
        for query in queries {
            guard let entry = done[query.name], let frame = entry.frame, let rigFromWorld = entry.rigFromWorld,
                  rigFromWorld.count == 7, seen.insert(frame).inserted else { continue }
            text += "\(frame) " + rigFromWorld.map(formatDouble).joined(separator: " ") + "\n"
        }
        let path = rigPosesPath ?? ((output as NSString).deletingLastPathComponent as NSString).appendingPathComponent("rig_poses.txt")
        try AtomicFile.write(text, to: path)
    }
}
