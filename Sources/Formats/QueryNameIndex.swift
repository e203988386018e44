/// Finds a query by any name the files use for it. Ground truth and query lists name a query by
/// its path (`query/day/IMG_1.jpg`), submissions by the benchmark's rule (`SubmissionFormat`:
/// the basename for Aachen, `camera/basename` for RobotCar, `seq1/frame00001.png` for Cambridge).
/// A name matches a path when it is the path or its last components; a name that is the ending of
/// several paths (Cambridge's `frame00001.png` in every sequence) matches none of them.
public struct QueryNameIndex<Value> {
    private var byEnding: [String: Value] = [:]
    private var ambiguous = Set<String>()

    /// - Parameter entries: (path, value) pairs; paths distinct.
    public init(_ entries: [(String, Value)]) {
        var full = Set<String>()
        for (path, _) in entries { full.insert(path) }
        for (path, value) in entries {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            for k in 1...parts.count {
                let ending = parts.suffix(k).joined(separator: "/")
                // A full path always wins over another path's ending.
                if ending != path && full.contains(ending) { continue }
                if ending == path { byEnding[ending] = value; ambiguous.remove(ending); continue }
                if byEnding[ending] != nil || ambiguous.contains(ending) {
                    if !full.contains(ending) { byEnding[ending] = nil; ambiguous.insert(ending) }
                } else {
                    byEnding[ending] = value
                }
            }
        }
    }

    /// The value of the one path that `name` is, or ends with; nil when none or several.
    public subscript(_ name: String) -> Value? { byEnding[name] }

    /// True when `name` is the ending of several paths.
    public func isAmbiguous(_ name: String) -> Bool { ambiguous.contains(name) }
}
