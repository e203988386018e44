import Foundation
import Geometry
import XCTest
import _TestSupport

final class EstimatePoseCLITests: XCTestCase {
    let reloc = TestSupport.executable("reloc")

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: reloc) else { throw XCTSkip("reloc binary not built") }
    }

    func write(_ problem: SyntheticPoseProblem, to path: String) throws {
        let lines = zip(problem.points2D, problem.points3D).map { p, X in
            [p.x, p.y, X.x, X.y, X.z].map(formatDouble).joined(separator: " ")
        }
        try (["# x y X Y Z"] + lines).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    func testSingleAndBatchAndJSON() throws {
        let folder = TestSupport.temporaryFolder(self)
        let camera = try Camera(model: .simpleRadial, width: 1024, height: 768, params: [900, 512, 384, -0.05])
        let problem = SyntheticPoseProblem(camera: camera, count: 300, outlierRatio: 0.5, noisePixels: 0.5, seed: 81)
        try write(problem, to: folder + "/a.txt")
        try "1 2 3 4 5\n6 7 8 9 10\n".write(toFile: folder + "/few.txt", atomically: true, encoding: .utf8)

        var result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/a.txt",
                                                 "--camera", "SIMPLE_RADIAL 1024 768 900 512 384 -0.05"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let fields = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Double($0)! }
        XCTAssertEqual(fields.count, 8)
        let pose = Rigid3(rotation: Quaternion(w: fields[0], x: fields[1], y: fields[2], z: fields[3]),
                          translation: Vector3(fields[4], fields[5], fields[6]))
        assertPoseClose(pose, problem.camFromWorld, rotationDegrees: 0.1, translation: 0.02)
        XCTAssertGreaterThanOrEqual(fields[7], 145)

        result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/a.txt", "--correspondences",
                                             folder + "/few.txt", "--camera", "SIMPLE_RADIAL 1024 768 900 512 384 -0.05"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix(folder + "/a.txt "))
        XCTAssertEqual(String(lines[1]), folder + "/few.txt no pose found (2 correspondences)")

        result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/a.txt", "--json",
                                             "--camera", "SIMPLE_RADIAL 1024 768 900 512 384 -0.05"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["pose_found"] as? Bool, true)
        XCTAssertEqual((json["qvec"] as? [Double])?.count, 4)
    }

    func testBadInput() throws {
        let folder = TestSupport.temporaryFolder(self)
        try "1 2 3 4 5\n1 2 3 x 5\n".write(toFile: folder + "/bad.txt", atomically: true, encoding: .utf8)
        var result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/bad.txt", "--camera", "PINHOLE 10 10 5 5 5 5"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(folder + "/bad.txt:2: coordinate: 'x' is not a finite number"), result.stderr)
        try "# nothing\n".write(toFile: folder + "/empty.txt", atomically: true, encoding: .utf8)
        result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/empty.txt", "--camera", "PINHOLE 10 10 5 5 5 5"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(folder + "/empty.txt: no correspondences in this file"), result.stderr)
        result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/bad.txt", "--camera", "PINHOLE 10 10 5 5 5"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--camera: camera model PINHOLE takes 4 parameters"), result.stderr)
    }
}
