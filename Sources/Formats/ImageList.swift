import Foundation

/// The image names a stage works on, relative to the image folder.
public enum ImageList {
    static let extensions: Set<String> = ["jpg", "jpeg", "png", "ppm", "pgm"]

    /// Every image file under `folder` (JPEG, PNG, PGM/PPM by extension, any case), relative
    /// paths, sorted.
    public static func scan(folder: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FormatError.file(file: folder, message: "no such image folder")
        }
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw FormatError.file(file: folder, message: "cannot list the folder")
        }
        var names: [String] = []
        while let next = enumerator.nextObject() as? String {
            if extensions.contains((next as NSString).pathExtension.lowercased()) { names.append(next) }
        }
        return names.sorted()
    }

    /// Names from a list: a COLMAP model folder (its images), a query list
    /// (`name MODEL W H params...`), a pairs file (`name0 name1`, both names) or a plain list
    /// (one name per line). Order of first appearance, without repeats. Every reader refuses a
    /// name that is absolute or climbs out with `..`, naming the file and line.
    public static func read(list path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try ColmapModel.read(folder: path, content: .camerasAndPoses).sortedImages.map(\.name)
        }
        let lines = textLines(try readTextFile(path), file: path).filter { !$0.isBlankOrComment }
        guard let first = lines.first else { throw FormatError.file(file: path, message: "no image names in this list") }
        let fieldCount = first.fields.count
        var names: [String]
        switch fieldCount {
        case 1:
            names = try lines.map { line in
                guard line.fields.count == 1 else { throw line.error("expected one image name per line, got \(line.fields.count) fields") }
                if let problem = imageNameProblem(String(line.fields[0])) { throw line.error(problem) }
                return String(line.fields[0])
            }
        case 2:
            names = try PairsFile.parse(try readTextFile(path), file: path).flatMap { [$0.first, $0.second] }
        default:
            names = try QueryList.parse(try readTextFile(path), file: path).map(\.name)
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
