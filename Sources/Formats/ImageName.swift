/// Image names in lists and models are paths relative to the dataset's image folder. A name that
/// is absolute or climbs out with `..` would read (or, for outputs keyed by name, write) outside
/// it, so every reader refuses one, naming the file and line.
///
/// - Returns: what is wrong with the name, or nil when it is a plain relative path.
package func imageNameProblem(_ name: String) -> String? {
    if name.isEmpty { return "empty image name" }
    if name.hasPrefix("/") { return "image name '\(name)' is absolute; names are relative to the image folder" }
    if name.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
        return "image name '\(name)' climbs out of the image folder with '..'"
    }
    if name.utf8.contains(0) { return "image name contains a NUL byte" }
    return nil
}
