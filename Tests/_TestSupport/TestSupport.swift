import Foundation
import Geometry
import XCTest

/// Shared helpers for reloc's tests: seeded random geometry, closeness assertions,
/// temporary folders, and where the real datasets and the built binaries are.
public enum TestSupport {
    /// A uniformly distributed random rotation, normalized to unit length.
    public static func randomRotation(_ rng: inout SeededGenerator) -> Quaternion {
        Quaternion.random(using: &rng).normalized()
    }

    /// A random rigid transform with translation components in [-scale, scale].
    public static func randomRigid(_ rng: inout SeededGenerator, scale: Double = 10) -> Rigid3 {
        Rigid3(rotation: randomRotation(&rng),
               translation: Vector3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, rng.nextUnit() - 0.5) * 2 * scale)
    }

    /// One camera of each model reloc implements, with distortion strong enough to matter
    /// and still invertible over the whole image.
    public static let cameraOfEachModel: [Camera] = [
        try! Camera(model: .simplePinhole, width: 1024, height: 768, params: [800, 512, 384]),
        try! Camera(model: .pinhole, width: 1024, height: 768, params: [810, 790, 500.5, 390.25]),
        try! Camera(model: .simpleRadial, width: 1024, height: 768, params: [800, 512, 384, -0.08]),
        try! Camera(model: .radial, width: 1600, height: 1200, params: [1300, 800, 600, -0.12, 0.03]),
        try! Camera(model: .opencv, width: 1600, height: 1200, params: [1250, 1260, 805, 597, -0.2, 0.05, 0.001, -0.0005]),
    ]

    /// A fresh temporary folder, removed by the caller's `addTeardownBlock` when given.
    public static func temporaryFolder(_ testCase: XCTestCase? = nil) -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("reloc-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        testCase?.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// The repository root (two folders above Tests/_TestSupport).
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// A test target's fixture: `Tests/<target>/Fixtures/<name>` in the repository.
    public static func fixture(_ target: String, _ name: String) -> String {
        (repositoryRoot as NSString).appendingPathComponent("Tests/\(target)/Fixtures/\(name)")
    }

    /// `../shared/datasets/NAME` beside the repository, or nil when absent (tests then skip).
    public static func sharedDataset(_ name: String) -> String? {
        let path = ((repositoryRoot as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("shared/datasets/\(name)")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The published weights of `reloc weights fetch` (`weights/` in the repository, or the folder
    /// in `RELOC_WEIGHTS`) when `file` is there, else nil (tests then skip).
    public static func publishedWeights(_ file: String) -> String? {
        let folder = ProcessInfo.processInfo.environment["RELOC_WEIGHTS"] ?? (repositoryRoot as NSString).appendingPathComponent("weights")
        let path = (folder as NSString).appendingPathComponent(file)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Path of a built executable of this package (`reloc`), next to the test bundle,
    /// or from the environment variable `RELOC_BIN` for `reloc`.
    public static func executable(_ name: String) -> String {
        if name == "reloc", let fromEnvironment = ProcessInfo.processInfo.environment["RELOC_BIN"] {
            return fromEnvironment
        }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = bundle.deletingLastPathComponent()
        // On Linux the xctest bundle is an executable in the products folder.
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return (repositoryRoot as NSString).appendingPathComponent(".build/debug/\(name)")
    }

    /// Runs a program and returns its exit status (the signal's number when a signal ended it),
    /// standard output and standard error. `environment` is added to this process's environment.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String], currentDirectory: String? = nil,
                           environment: [String: String] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

/// Asserts two poses agree within `rotationDegrees` and `translation`.
public func assertPoseClose(_ a: Rigid3, _ b: Rigid3, rotationDegrees: Double = 1e-9, translation: Double = 1e-9,
                            file: StaticString = #filePath, line: UInt = #line) {
    let angle = a.rotation.angularDistance(to: b.rotation) * 180 / .pi
    XCTAssertLessThanOrEqual(angle, rotationDegrees, "rotation differs by \(angle)°", file: file, line: line)
    let d = norm(a.translation - b.translation)
    XCTAssertLessThanOrEqual(d, translation, "translation differs by \(d)", file: file, line: line)
}

/// A synthetic absolute-pose problem: a camera, n correspondences with pixel noise and a
/// fraction of outliers (random pixels), points 2..20 m in front of the camera.
public struct SyntheticPoseProblem: Sendable {
    public var camera: Camera
    public var camFromWorld: Rigid3
    public var points2D: [Vector2]
    public var points3D: [Vector3]
    /// True for correspondences generated as inliers.
    public var isInlier: [Bool]

    public init(camera: Camera, count: Int, outlierRatio: Double, noisePixels: Double, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        self.camera = camera
        camFromWorld = TestSupport.randomRigid(&rng, scale: 10)
        let worldFromCam = camFromWorld.inverse
        points2D = []; points3D = []; isInlier = []
        let outliers = Int((Double(count) * outlierRatio).rounded())
        for i in 0..<count {
            let pixel = Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height))
            let depth = 2 + 18 * rng.nextUnit()
            let uv = camera.normalizedFromImage(pixel)
            let world = worldFromCam.apply(Vector3(uv.x, uv.y, 1) * depth)
            if i < outliers {
                points2D.append(Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height)))
                isInlier.append(false)
            } else {
                points2D.append(pixel + Vector2(rng.nextGaussian(), rng.nextGaussian()) * noisePixels)
                isInlier.append(true)
            }
            points3D.append(world)
        }
    }
}
