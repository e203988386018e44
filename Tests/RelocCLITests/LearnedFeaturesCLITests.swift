import _TestSupport
import Features
import Foundation
import Reloc
import TensorFiles
import XCTest

/// `reloc extract --features superpoint|superpoint+hndesc --weights DIR` with formula weights
/// (the published checkpoints are not part of the repository): the plumbing — image to
/// keypoints in the original pixels, descriptors of the right size in the store — and the error
/// without weights.
final class LearnedFeaturesCLITests: XCTestCase {
    let reloc = TestSupport.executable("reloc")

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: reloc) else { throw XCTSkip("reloc binary not built") }
    }

    func testExtractWritesLearnedFeaturesAndExplainsMissingWeights() throws {
        let folder = TestSupport.temporaryFolder(self)
        let manifest = TestSupport.repositoryRoot + "/Tests/FeaturesTests/Fixtures/neural_manifest.json"
        try FileManager.default.createDirectory(atPath: folder + "/weights", withIntermediateDirectories: true)
        try SyntheticWeights.write(manifest: manifest, network: "superpoint", to: folder + "/weights/" + SuperPointExtractor.superPointStem + ".safetensors")
        try SyntheticWeights.write(manifest: manifest, network: "hndesc", to: folder + "/weights/" + SuperPointExtractor.hndescStem + ".safetensors", prefix: "net.")
        try FileManager.default.createDirectory(atPath: folder + "/images", withIntermediateDirectories: true)
        var image = Image8(width: 200, height: 150, channels: 3)
        for y in 0..<150 { for x in 0..<200 { for c in 0..<3 { image[x, y, c] = UInt8((x * 7 + y * 13 + c * 50 + (x * y) % 97) & 0xFF) } } }
        try Data(try PNG.encode(image)).write(to: URL(fileURLWithPath: folder + "/images/a.png"))

        for (kind, dimension) in [("superpoint", 256), ("superpoint+hndesc", 128)] {
            let output = folder + "/\(kind).h5"
            // --max-edge 96 exercises the scaling back to the original pixels.
            let result = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", output, "--features", kind,
                                                     "--weights", folder + "/weights", "--max-edge", "96", "--max-keypoints", "50"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let features = try FeatureStore(path: output, mode: .read).read("a.png")
            XCTAssertEqual(features.descriptorDimension, dimension)
            XCTAssertGreaterThan(features.count, 0)
            XCTAssertLessThanOrEqual(features.count, 50)
            XCTAssertEqual(features.imageSize, SIMD2(200, 150))
            for k in features.keypoints {
                XCTAssertTrue(k.x > 0 && k.x < 200 && k.y > 0 && k.y < 150, "\(k)")
                // SuperPoint keypoints are pixel centres of the 96×72 image: (i + 0.5) · 200/96 in the original.
                let i = k.x * 96 / 200 - 0.5
                XCTAssertEqual(i, i.rounded(), accuracy: 1e-3)
            }
            for i in 0..<features.count {
                let norm = features.descriptors[(i * dimension)..<((i + 1) * dimension)].reduce(0) { $0 + $1 * $1 }.squareRoot()
                XCTAssertEqual(norm, 1, accuracy: 2e-3)   // stored as float16
            }
        }

        let missing = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", folder + "/x.h5",
                                                  "--features", "superpoint+hndesc", "--weights", folder + "/nothing"])
        XCTAssertNotEqual(missing.status, 0)
        for expected in ["superpoint_v1.pth", "hndesc_caps_MP_st.pth", "read as published", folder + "/nothing"] {
            XCTAssertTrue(missing.stderr.contains(expected), missing.stderr)
        }
        let noWeights = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", folder + "/x.h5", "--features", "superpoint"])
        XCTAssertNotEqual(noWeights.status, 0)
        // Without --weights, the default folder (weights/, where `reloc weights fetch` puts its files) is read.
        XCTAssertTrue(noWeights.stderr.contains("weights: missing superpoint_v1.pth"), noWeights.stderr)
    }

    /// `reloc extract --features aliked-n16` on a crop of a real photograph (the golden's input,
    /// written losslessly) at its own size: the published implementation's keypoints in the same
    /// order (in COLMAP's convention: + 0.5) and its descriptors (stored as float16), at the
    /// published threshold; reloc's default (0.05) keeps those and adds weaker ones.
    func testALIKEDExtractionEqualsThePublishedImplementation() throws {
        guard let weights = TestSupport.publishedWeights("aliked-n16.pth") else { throw XCTSkip("aliked-n16.pth is not in weights/ (reloc weights fetch)") }
        let goldens = try SafeTensors(path: TestSupport.repositoryRoot + "/Tests/FeaturesTests/Fixtures/aliked_goldens.safetensors")
        let folder = try writeCrop(goldens)
        let result = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", folder + "/f.h5", "--features", "aliked-n16",
                                                 "--weights", (weights as NSString).deletingLastPathComponent, "--detection-threshold", "0.2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let byDefault = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", folder + "/default.h5", "--features", "aliked-n16",
                                                    "--weights", (weights as NSString).deletingLastPathComponent])
        XCTAssertEqual(byDefault.status, 0, byDefault.stderr)
        let published = Set(try FeatureStore(path: folder + "/f.h5", mode: .read).read("crop.png").keypoints.map { [$0.x, $0.y] })
        let more = Set(try FeatureStore(path: folder + "/default.h5", mode: .read).read("crop.png").keypoints.map { [$0.x, $0.y] })
        XCTAssertTrue(published.isSubset(of: more))
        XCTAssertGreaterThan(more.count, published.count)
        let features = try FeatureStore(path: folder + "/f.h5", mode: .read).read("crop.png")
        let keypoints = try goldens.floats("aliked-n16.fountain.keypoints")
        XCTAssertEqual(features.count * 2, keypoints.count)
        XCTAssertEqual(features.descriptorDimension, 128)
        for (i, k) in features.keypoints.enumerated() where 2 * i + 1 < keypoints.count {
            XCTAssertEqual(k.x, keypoints[2 * i] + 0.5, accuracy: 1e-3)
            XCTAssertEqual(k.y, keypoints[2 * i + 1] + 0.5, accuracy: 1e-3)
        }
        let descriptors = try goldens.floats("aliked-n16.fountain.descriptors")
        for (a, b) in zip(features.descriptors, descriptors) { XCTAssertEqual(a, b, accuracy: 2e-3) }

        let missing = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", folder + "/x.h5",
                                                  "--features", "aliked-t16", "--weights", folder + "/nothing"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("missing aliked-t16.pth: `reloc weights fetch --dir \(folder)/nothing`"), missing.stderr)
    }

    /// `reloc extract --features disk` on the same crop: kornia's keypoints (raster order) and descriptors.
    func testDISKExtractionEqualsThePublishedImplementation() throws {
        guard let weights = TestSupport.publishedWeights("disk-depth-save.pth") else { throw XCTSkip("disk-depth-save.pth is not in weights/ (reloc weights fetch)") }
        let goldens = try SafeTensors(path: TestSupport.repositoryRoot + "/Tests/FeaturesTests/Fixtures/disk_goldens.safetensors")
        let folder = try writeCrop(goldens)
        let result = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", folder + "/f.h5", "--features", "disk",
                                                 "--weights", (weights as NSString).deletingLastPathComponent])
        XCTAssertEqual(result.status, 0, result.stderr)
        let features = try FeatureStore(path: folder + "/f.h5", mode: .read).read("crop.png")
        XCTAssertEqual(features.keypoints.flatMap { [$0.x - 0.5, $0.y - 0.5] }, try goldens.floats("fountain.keypoints"))
        XCTAssertEqual(features.descriptorDimension, 128)
        for (a, b) in zip(features.descriptors, try goldens.floats("fountain.descriptors")) { XCTAssertEqual(a, b, accuracy: 2e-3) }
    }

    /// `reloc match` on an ALIKED store: LightGlue by default when its weights are there (and
    /// it says so), nearest neighbours when asked, and clear errors when LightGlue cannot run.
    func testMatchRunsLightGlueForALIKEDAndSaysWhichMatcherRan() throws {
        guard let weights = TestSupport.publishedWeights("aliked_lightglue.pth") else { throw XCTSkip("aliked_lightglue.pth is not in weights/ (reloc weights fetch)") }
        let weightsFolder = (weights as NSString).deletingLastPathComponent
        let goldens = try SafeTensors(path: TestSupport.repositoryRoot + "/Tests/FeaturesTests/Fixtures/lightglue_goldens.safetensors")
        let folder = TestSupport.temporaryFolder(self)
        do {  // closed before reloc reads it
            let store = try FeatureStore(path: folder + "/feats-aliked-n16.h5", mode: .create)
            for side in 0..<2 {
                let points = try goldens.floats("aliked.graf.keypoints\(side)"), size = try goldens.floats("aliked.graf.image_size\(side)")
                try store.write("g\(side).png", ImageFeatures(
                    keypoints: stride(from: 0, to: points.count, by: 2).map { SIMD2(points[$0] + 0.5, points[$0 + 1] + 0.5) },
                    descriptors: try goldens.floats("aliked.graf.descriptors\(side)"), descriptorDimension: 128, scores: [],
                    imageSize: SIMD2(Int(size[0]), Int(size[1]))))
            }
            try store.flush()
        }
        try FileManager.default.copyItem(atPath: folder + "/feats-aliked-n16.h5", toPath: folder + "/feats-sift.h5")
        try "g0.png g1.png\n".write(toFile: folder + "/pairs.txt", atomically: true, encoding: .utf8)
        func match(_ features: String, _ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try TestSupport.run(reloc, ["match", "--pairs", folder + "/pairs.txt", "--features", folder + "/" + features,
                                        "--output", folder + "/m-\(extra.joined()).h5", "--weights", weightsFolder] + extra)
        }
        let lightGlue = try match("feats-aliked-n16.h5", [])
        XCTAssertEqual(lightGlue.status, 0, lightGlue.stderr)
        XCTAssertTrue(lightGlue.stdout.contains("matcher: lightglue (\(weights))"), lightGlue.stdout)
        let expected = try goldens.floats("aliked.graf.adaptive.matches0").filter { $0 >= 0 }.count
        XCTAssertTrue(lightGlue.stdout.contains("(\(expected) matches)"), lightGlue.stdout)
        let nn = try match("feats-aliked-n16.h5", ["--matcher", "nn"])
        XCTAssertEqual(nn.status, 0, nn.stderr)
        XCTAssertTrue(nn.stdout.contains("matcher: nearest neighbours (NN-mutual)"), nn.stdout)
        // SIFT's name: nearest neighbours by default, an error when LightGlue is asked for.
        XCTAssertTrue(try match("feats-sift.h5", []).stdout.contains("matcher: nearest neighbours"))
        let refused = try match("feats-sift.h5", ["--matcher", "lightglue"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("aliked-n16, aliked-n16rot, aliked-n32, aliked-t16, disk, xfeat features only"), refused.stderr)
        // A store that records what it holds is matched by what it holds, whatever its name (a
        // store named feats.h5 holding ALIKED features used to be refused LightGlue).
        try FileManager.default.copyItem(atPath: folder + "/feats-aliked-n16.h5", toPath: folder + "/feats.h5")
        try FeatureStore(path: folder + "/feats.h5", mode: .update).writeRecord(FeatureStoreRecord(kind: "aliked-n16", maxKeypoints: 2048, maxEdge: 1024))
        let recorded = try match("feats.h5", ["--matcher", "lightglue"])
        XCTAssertEqual(recorded.status, 0, recorded.stderr)
        XCTAssertTrue(recorded.stdout.contains("(\(expected) matches)"), recorded.stdout)
        let noWeights = try TestSupport.run(reloc, ["match", "--pairs", folder + "/pairs.txt", "--features", folder + "/feats-aliked-n16.h5",
                                                    "--output", folder + "/x.h5", "--matcher", "lightglue", "--weights", folder + "/nothing"])
        XCTAssertNotEqual(noWeights.status, 0)
        XCTAssertTrue(noWeights.stderr.contains(folder + "/nothing/aliked_lightglue.pth"), noWeights.stderr)
    }

    /// The goldens' fountain crop (float16 values 0…255) as images/crop.png in a new folder.
    func writeCrop(_ goldens: SafeTensors) throws -> String {
        let shape = try XCTUnwrap(goldens.shape("input.fountain"))
        let values = try goldens.floats("input.fountain")
        var image = Image8(width: shape[2], height: shape[1], channels: 3)
        for c in 0..<3 { for y in 0..<shape[1] { for x in 0..<shape[2] { image[x, y, c] = UInt8(values[(c * shape[1] + y) * shape[2] + x]) } } }
        let folder = TestSupport.temporaryFolder(self)
        try FileManager.default.createDirectory(atPath: folder + "/images", withIntermediateDirectories: true)
        try Data(try PNG.encode(image)).write(to: URL(fileURLWithPath: folder + "/images/crop.png"))
        return folder
    }
}
