import Foundation
import Reloc
import XCTest
import _TestSupport

/// `reloc serve` as a user runs it: the real binary on a finished pipeline folder, a pose over
/// HTTP, SIGTERM (exit 0 after answering), and a folder that is not a map (exit 1, named).
final class ServeCLITests: XCTestCase {
    let reloc = TestSupport.executable("reloc")

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: reloc) else { throw XCTSkip("reloc binary not built") }
    }

    /// Starts `reloc serve`, waiting for its "listening" line on stderr for the port.
    func startServe(_ arguments: [String]) throws -> (process: Process, port: Int, stderr: Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: reloc)
        process.arguments = ["serve", "--port", "0"] + arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let data = err.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"url=http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let port = Int(text[range].split(separator: ":").last!)!
                return (process, port, err)
            }
        }
        process.terminate()
        throw HTTPTestClient.Failure("reloc serve did not start: \(text)")
    }

    func testServesAPoseAndStopsOnSIGTERM() throws {
        let folder = TestSupport.temporaryFolder(self)
        XCTAssertEqual(try TestSupport.run(reloc, ["synth", "--output", folder + "/tiny", "--preset", "tiny", "--seed", "2"]).status, 0)
        let run = try TestSupport.run(reloc, ["pipeline", "--dataset", folder + "/tiny", "--output", folder + "/out", "--no-report"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let entry = try QueryList.read(path: folder + "/tiny/queries/day_time_queries_with_intrinsics.txt")[1]
        let expected = try XCTUnwrap(try PoseFile.read(path: folder + "/out/results.txt").first { $0.name == imageBasename(entry.name) })
        let line = try String(contentsOfFile: folder + "/out/results.txt", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix(expected.name + " ") }!

        let (process, port, err) = try startServe(["--map", folder + "/out"])
        let image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/tiny/images/" + entry.name)))
        let response = try HTTPTestClient.request(port: port, method: "POST",
                                                  path: "/v1/localize?camera=\(HTTPTestClient.formEncode(entry.camera.colmapDescription))&name=\(entry.name)",
                                                  body: image)
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(try response.json()["cam_from_world"] as? String, String(line.dropFirst(expected.name.count + 1)))
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(log.contains("stopped"), log)
    }

    func testFolderThatIsNotAFinishedRunIsNamed() throws {
        let folder = TestSupport.temporaryFolder(self)
        let missing = try TestSupport.run(reloc, ["serve", "--map", folder + "/nothing", "--port", "0"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains(folder + "/nothing: no such folder"), missing.stderr)
        let empty = try TestSupport.run(reloc, ["serve", "--map", folder, "--port", "0"])
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains(folder + "/pipeline.json: missing"), empty.stderr)
        let token = folder + "/token"
        try "\n".write(toFile: token, atomically: true, encoding: .utf8)
        let badToken = try TestSupport.run(reloc, ["serve", "--map", folder, "--token-file", token])
        XCTAssertEqual(badToken.status, 1)
        XCTAssertTrue(badToken.stderr.contains(token + ": the token file is empty"), badToken.stderr)
        let badWorkers = try TestSupport.run(reloc, ["serve", "--map", folder, "--workers", "0"])
        XCTAssertNotEqual(badWorkers.status, 0)
        XCTAssertTrue(badWorkers.stderr.contains("--workers"), badWorkers.stderr)
    }
}
