import Foundation
import Geometry

extension Kapture {
    /// The format versions this reader takes.
    public static let readableVersions: Set<String> = ["1.0", "1.1"]
    /// The version written.
    public static let writtenVersion = "1.1"

    /// Reads a kapture folder: sensors.txt and records_camera.txt must exist, rigs.txt and
    /// trajectories.txt may be absent.
    /// - Throws: `FormatError` naming the file (and line) of the first problem.
    public static func read(folder: String) throws -> Kapture {
        let sensorsFile = sensorsPath(folder), recordsFile = recordsPath(folder)
        for file in [sensorsFile, recordsFile] where !FileManager.default.fileExists(atPath: file) {
            throw FormatError.file(file: file, message: "no such file: a kapture folder has sensors/sensors.txt and sensors/records_camera.txt")
        }
        var kapture = Kapture()
        try kapture.parseSensors(try readTextFile(sensorsFile), file: sensorsFile)
        let rigsFile = rigsPath(folder), trajectoriesFile = trajectoriesPath(folder)
        if FileManager.default.fileExists(atPath: rigsFile) { try kapture.parseRigs(try readTextFile(rigsFile), file: rigsFile) }
        if FileManager.default.fileExists(atPath: trajectoriesFile) {
            try kapture.parseTrajectories(try readTextFile(trajectoriesFile), file: trajectoriesFile)
        }
        try kapture.parseRecords(try readTextFile(recordsFile), file: recordsFile)
        return kapture
    }

    /// Writes sensors.txt, records_camera.txt, and rigs.txt / trajectories.txt when there are any,
    /// each atomically. Images are not written (see `recordsDataFolder`).
    public func write(folder: String) throws {
        try AtomicFile.write(formatSensors(), to: Self.sensorsPath(folder))
        try AtomicFile.write(formatRecords(), to: Self.recordsPath(folder))
        if !rigs.isEmpty { try AtomicFile.write(formatRigs(), to: Self.rigsPath(folder)) }
        if !trajectories.isEmpty { try AtomicFile.write(formatTrajectories(), to: Self.trajectoriesPath(folder)) }
    }

    // MARK: Reading

    /// The data lines of a kapture CSV file with their fields (trimmed), after checking the
    /// version header when there is one.
    static func rows(_ text: String, file: String) throws -> [(line: TextLine, fields: [String])] {
        var rows: [(TextLine, [String])] = []
        for line in textLines(text, file: file) {
            let trimmed = line.text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") {
                let comment = trimmed.dropFirst().trimmingCharacters(in: .whitespaces)
                if comment.hasPrefix("kapture format:") {
                    let version = comment.dropFirst("kapture format:".count).trimmingCharacters(in: .whitespaces)
                    guard readableVersions.contains(version) else {
                        throw line.error("kapture format \(version) is not one this reader takes (\(readableVersions.sorted().joined(separator: ", ")))")
                    }
                }
                continue
            }
            if trimmed.isEmpty { continue }
            rows.append((line, trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }))
        }
        return rows
    }

    /// `QW, QX, QY, QZ, TX, TY, TZ` from 7 fields.
    static func pose(_ fields: ArraySlice<String>, line: TextLine) throws -> Rigid3 {
        let substrings = fields.map { Substring($0) }
        return try parsePose(substrings[...], line: line)
    }

    static func timestamp(_ field: String, line: TextLine) throws -> Int64 {
        guard let value = Int64(field) else { throw line.error("timestamp '\(field)' is not an integer") }
        return value
    }

    mutating func parseSensors(_ text: String, file: String) throws {
        var seen: [String: Int] = [:]
        for (line, fields) in try Self.rows(text, file: file) {
            guard fields.count >= 3, !fields[0].isEmpty else {
                throw line.error("expected sensor_id, name, sensor_type, [sensor_params]+, got \(fields.count) fields")
            }
            if let first = seen[fields[0]] { throw line.error("sensor '\(fields[0])' again (first on line \(first))") }
            seen[fields[0]] = line.number
            let sensor = Sensor(id: fields[0], name: fields[1], type: fields[2].lowercased(), params: Array(fields[3...]), line: line.number)
            if sensor.type == "camera" { _ = try Self.intrinsics(sensor, line: line) }
            sensors.append(sensor)
        }
        guard !sensors.isEmpty else { throw FormatError.file(file: file, message: "no sensors in this file") }
    }

    /// A camera sensor's intrinsics. - Throws: `FormatError.parse` at the sensor's line.
    static func intrinsics(_ sensor: Sensor, line: TextLine) throws -> Intrinsics {
        let p = sensor.params
        guard p.count >= 3 else {
            throw line.error("camera '\(sensor.id)': expected MODEL, WIDTH, HEIGHT, PARAMS... after the type, got \(p.count) fields")
        }
        if p[0] == "UNKNOWN_CAMERA" {
            guard let w = Int(p[1]), let h = Int(p[2]), w > 0, h > 0 else {
                throw line.error("camera '\(sensor.id)': UNKNOWN_CAMERA needs a positive integer WIDTH and HEIGHT")
            }
            return .unknown(width: w, height: h)
        }
        // kapture writes whole sizes as 640 (and, from floats, sometimes as 640.0).
        func size(_ s: String, _ what: String) throws -> Substring {
            if let d = Double(s), d == d.rounded(), d > 0, d < 1e9 { return Substring(String(Int(d))) }
            throw line.error("camera '\(sensor.id)': \(what) '\(s)' is not a positive integer")
        }
        let fields = [Substring(p[0]), try size(p[1], "width"), try size(p[2], "height")] + p[3...].map { Substring($0) }
        return .known(try parseCamera(fields[...], line: line))
    }

    /// The intrinsics of the camera sensor `id`, or nil when there is no such camera.
    /// - Throws: `FormatError.parse` naming `file` and the sensor's line for a model reloc does not take.
    public func intrinsics(ofCamera id: String, file: String) throws -> Intrinsics? {
        guard let sensor = sensor(id), sensor.type == "camera" else { return nil }
        return try Self.intrinsics(sensor, line: TextLine(file: file, number: sensor.line, text: ""))
    }

    mutating func parseRigs(_ text: String, file: String) throws {
        for (line, fields) in try Self.rows(text, file: file) {
            guard fields.count == 9 else { throw line.error("expected rig_id, sensor_id, qw, qx, qy, qz, tx, ty, tz (9 fields), got \(fields.count)") }
            guard sensor(fields[1]) != nil else { throw line.error("rig '\(fields[0])' holds sensor '\(fields[1])', which sensors.txt does not declare") }
            if rigs[fields[0]]?[fields[1]] != nil { throw line.error("sensor '\(fields[1])' is in rig '\(fields[0])' twice") }
            rigs[fields[0], default: [:]][fields[1]] = try Self.pose(fields[2...8], line: line)
        }
    }

    mutating func parseTrajectories(_ text: String, file: String) throws {
        for (line, fields) in try Self.rows(text, file: file) {
            guard fields.count == 9 else { throw line.error("expected timestamp, device_id, qw, qx, qy, qz, tx, ty, tz (9 fields), got \(fields.count)") }
            guard sensor(fields[1]) != nil || rigs[fields[1]] != nil else {
                throw line.error("device '\(fields[1])' is neither a sensor of sensors.txt nor a rig of rigs.txt")
            }
            let key = Key(timestamp: try Self.timestamp(fields[0], line: line), device: fields[1])
            if trajectories[key] != nil { throw line.error("a second pose for \(fields[1]) at timestamp \(fields[0])") }
            trajectories[key] = try Self.pose(fields[2...8], line: line)
        }
    }

    mutating func parseRecords(_ text: String, file: String) throws {
        var seen: [String: Int] = [:]
        for (line, fields) in try Self.rows(text, file: file) {
            guard fields.count == 3 else { throw line.error("expected timestamp, device_id, image_path (3 fields), got \(fields.count)") }
            guard let sensor = sensor(fields[1]) else { throw line.error("device '\(fields[1])' is not a sensor of sensors.txt") }
            guard sensor.type == "camera" else { throw line.error("sensor '\(fields[1])' is a \(sensor.type), not a camera") }
            if let problem = imageNameProblem(fields[2]) { throw line.error(problem) }
            if let first = seen[fields[2]] { throw line.error("image '\(fields[2])' again (first on line \(first))") }
            seen[fields[2]] = line.number
            records.append(Record(key: Key(timestamp: try Self.timestamp(fields[0], line: line), device: fields[1]), imagePath: fields[2], line: line.number))
        }
    }

    // MARK: Writing

    static func header(_ columns: String) -> String { "# kapture format: \(writtenVersion)\n# \(columns)\n" }


    static func poseFields(_ pose: Rigid3) -> String {
        let q = pose.rotation, t = pose.translation
        return [q.w, q.x, q.y, q.z, t.x, t.y, t.z].map { "\($0)" }.joined(separator: ", ")
    }

    /// A camera's sensor params: `MODEL, WIDTH, HEIGHT, PARAMS...`.
    public static func sensorParams(_ intrinsics: Intrinsics) -> [String] {
        switch intrinsics {
        case .known(let c): return [c.model.name, String(c.width), String(c.height)] + c.params.map(jsonNumber)  // the shortest form that reads back, as Python's str
        case .unknown(let w, let h): return ["UNKNOWN_CAMERA", String(w), String(h)]
        }
    }

    public func formatSensors() -> String {
        Self.header("sensor_id, name, sensor_type, [sensor_params]+")
            + sensors.map { ([$0.id, $0.name, $0.type] + $0.params).joined(separator: ", ") + "\n" }.joined()
    }

    public func formatRigs() -> String {
        var out = Self.header("rig_id, sensor_id, qw, qx, qy, qz, tx, ty, tz")
        for rig in rigs.keys.sorted() {
            for sensor in rigs[rig]!.keys.sorted() { out += "\(rig), \(sensor), \(Self.poseFields(rigs[rig]![sensor]!))\n" }
        }
        return out
    }

    public func formatTrajectories() -> String {
        Self.header("timestamp, device_id, qw, qx, qy, qz, tx, ty, tz")
            + trajectories.keys.sorted().map { "\($0.timestamp), \($0.device), \(Self.poseFields(trajectories[$0]!))\n" }.joined()
    }

    public func formatRecords() -> String {
        Self.header("timestamp, device_id, image_path") + records.map { "\($0.key.timestamp), \($0.key.device), \($0.imagePath)\n" }.joined()
    }
}
