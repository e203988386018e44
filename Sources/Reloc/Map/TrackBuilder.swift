/// A keypoint of one image, identified by the image's index in the map and the keypoint's
/// index in that image's features.
public struct KeypointID: Equatable, Hashable, Comparable, Sendable {
    public var image: Int
    public var keypoint: Int

    public init(image: Int, keypoint: Int) { self.image = image; self.keypoint = keypoint }

    public static func < (a: KeypointID, b: KeypointID) -> Bool { (a.image, a.keypoint) < (b.image, b.keypoint) }
}

/// Tracks from pairwise matches: union-find over every image's keypoints (path halving, union
/// by size). A track holds at most one keypoint of each image: a match that would join two
/// tracks seeing the same image is refused (`union` returns false), and both tracks are
/// dropped — such a match chains a repeated texture (a row of identical windows), and so, likely,
/// do the matches that built the two tracks (OpenMVG drops conflicting tracks too). Without this,
/// a few wrong matches chain thousands of keypoints into one component, which yields one 3D
/// point at best after a long triangulation (docs/stages.md has the synthetic map's case). Feed
/// the best matches first.
public struct TrackBuilder: Sendable {
    /// First global index of each image's keypoints.
    let offsets: [Int]
    var parent: [Int32]
    var size: [Int32]
    /// The images of each track of two or more keypoints, by root.
    var imagesOfTrack: [Int32: [Int32]] = [:]
    /// Roots of the tracks (or single keypoints) a refused match touched.
    var conflicted = Set<Int32>()

    /// - Parameter keypointCounts: number of keypoints of each image.
    public init(keypointCounts: [Int]) {
        var offsets = [0]
        for count in keypointCounts { offsets.append(offsets.last! + count) }
        self.offsets = offsets
        parent = (0..<Int32(offsets.last!)).map { $0 }
        size = [Int32](repeating: 1, count: offsets.last!)
    }

    func global(_ id: KeypointID) -> Int { offsets[id.image] + id.keypoint }

    mutating func root(_ i: Int) -> Int {
        var i = i
        while parent[i] != Int32(i) {
            parent[i] = parent[Int(parent[i])]
            i = Int(parent[i])
        }
        return i
    }

    /// Joins the tracks of two matched keypoints, unless they already see a common image; then
    /// both are marked to be dropped.
    /// - Returns: false when the match was refused for that reason.
    @discardableResult
    public mutating func union(_ a: KeypointID, _ b: KeypointID) -> Bool {
        var ra = root(global(a)), rb = root(global(b))
        guard ra != rb else { return true }
        let imagesA = imagesOfTrack[Int32(ra)] ?? [Int32(a.image)]
        let imagesB = imagesOfTrack[Int32(rb)] ?? [Int32(b.image)]
        if imagesA.contains(where: imagesB.contains) {
            conflicted.insert(Int32(ra)); conflicted.insert(Int32(rb))
            return false
        }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        parent[rb] = Int32(ra)
        size[ra] += size[rb]
        imagesOfTrack[Int32(rb)] = nil
        imagesOfTrack[Int32(ra)] = imagesA + imagesB
        if conflicted.remove(Int32(rb)) != nil { conflicted.insert(Int32(ra)) }
        return true
    }

    /// Every track of two or more keypoints that no refused match touched, keypoints sorted,
    /// tracks ordered by their first keypoint.
    public mutating func tracks() -> [[KeypointID]] {
        var members: [Int: [KeypointID]] = [:]
        var image = 0
        for i in 0..<parent.count {
            while i >= offsets[image + 1] { image += 1 }
            guard size[root(i)] > 1, !conflicted.contains(Int32(root(i))) else { continue }
            members[root(i), default: []].append(KeypointID(image: image, keypoint: i - offsets[image]))
        }
        return members.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }
}
