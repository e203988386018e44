import _TestSupport
import Features
import Formats
import Foundation
import Geometry
@testable import Reloc
import XCTest

/// Loading a pipeline output folder for `reloc serve`: what is missing or inconsistent is
/// refused by name; features rounded as a store keeps them equal a store's round trip.
final class ServedMapTests: XCTestCase {
    nonisolated(unsafe) static var output: String?

    func finishedRun() throws -> String {
        if let output = Self.output { return output }
        let root = TestSupport.temporaryFolder()
        _ = try SyntheticDataset.generate(folder: root + "/tiny", preset: .tiny, seed: 3)
        var pipeline = PipelineTask(dataset: root + "/tiny", output: root + "/out")
        pipeline.report = false
        _ = try pipeline.run()
        Self.output = root + "/out"
        return root + "/out"
    }

    /// A private copy of the finished run (tests damage it), its record naming the copy's files
    /// as if the run had been made there.
    func copy() throws -> String {
        let copy = TestSupport.temporaryFolder(self) + "/out"
        try FileManager.default.copyItem(atPath: try finishedRun(), toPath: copy)
        let record = copy + "/pipeline.json"
        try String(contentsOfFile: record, encoding: .utf8).replacingOccurrences(of: try finishedRun(), with: copy)
            .write(toFile: record, atomically: true, encoding: .utf8)
        return copy
    }

    func assertRefused(_ folder: String, saying words: String, line: UInt = #line) {
        XCTAssertThrowsError(try ServedMap(folder: folder), line: line) { error in
            XCTAssertTrue("\(error)".contains(words), "'\(error)' does not say '\(words)'", line: line)
        }
    }

    func testLoadsTheRunsSettings() throws {
        let map = try ServedMap(folder: try finishedRun())
        let summary = map.summary
        XCTAssertEqual(summary.retrieval, "vlad")
        XCTAssertEqual(summary.matcher, "NN-mutual-ratio0.8")
        XCTAssertEqual(summary.topK, 20)
        XCTAssertNil(summary.rerank)
        XCTAssertEqual(summary.thresholdPixels, 12)
        XCTAssertEqual(summary.minInliers, 6)
        XCTAssertEqual(summary.images, 12)
        XCTAssertEqual(map.settings.extract.featuresName, map.record.features)
    }

    func testMissingOrInconsistentPartsAreNamed() throws {
        let folder = try copy()
        let record = folder + "/pipeline.json"
        let original = try String(contentsOfFile: record, encoding: .utf8)

        let map = try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix("sfm_") }!
        try FileManager.default.moveItem(atPath: folder + "/" + map, toPath: folder + "/moved")
        assertRefused(folder, saying: "missing: the triangulated map")
        try FileManager.default.moveItem(atPath: folder + "/moved", toPath: folder + "/" + map)

        try FileManager.default.removeItem(atPath: folder + "/" + (try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix("global-vlad_") })!)
        assertRefused(folder, saying: "missing: the VLAD descriptors")

        try original.replacingOccurrences(of: "\"max_keypoints\" : 8192", with: "\"max_keypoints\" : 4096")
            .write(toFile: record, atomically: true, encoding: .utf8)
        assertRefused(folder, saying: "the settings give features 'feats-rootsift-n4096")
        try original.replacingOccurrences(of: "\"kind\" : \"rootsift\"", with: "\"kind\" : \"bogus\"")
            .write(toFile: record, atomically: true, encoding: .utf8)
        assertRefused(folder, saying: "settings: unknown features 'bogus'")
        try original.replacingOccurrences(of: "\"threshold_px\" : 12", with: "\"threshold_px\" : -1")
            .write(toFile: record, atomically: true, encoding: .utf8)
        assertRefused(folder, saying: "settings out of range")
        try original.replacingOccurrences(of: "\"min_inliers\" : 6,\n      \"rig_config\"", with: "\"rig_config\"")
            .write(toFile: record, atomically: true, encoding: .utf8)
        assertRefused(folder, saying: "not a pipeline record")
        try original.replacingOccurrences(of: "\"retrieval\" : \"vlad\"", with: "\"retrieval\" : \"pairs:x.txt\"")
            .write(toFile: record, atomically: true, encoding: .utf8)
        assertRefused(folder, saying: "reloc serve needs a map made with --retrieval vlad or exhaustive")
        try "{".write(toFile: record, atomically: true, encoding: .utf8)
        assertRefused(folder, saying: "not a pipeline record")
        try FileManager.default.removeItem(atPath: record)
        assertRefused(folder, saying: "pipeline.json: missing")
    }

    /// The pipeline keeps its VLAD vocabulary in the global store, and the map is served with
    /// it; a store without one (an older run) gets the same vocabulary learned again.
    func testTheRunsVocabularyIsStoredAndAnOlderStoreLearnsItAgain() throws {
        let folder = try copy()
        let name = try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix("global-vlad_") }!
        let features = try FeatureStore(path: folder + "/" + (try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix("feats-") })!,
                                        mode: .read)
        let path = folder + "/" + name
        var vocabulary: VLADVocabulary?
        do {
            let store = try GlobalDescriptorStore(path: path, mode: .read)
            vocabulary = try XCTUnwrap(store.readVocabulary())
            XCTAssertFalse(try store.names().contains(GlobalDescriptorStore.vocabularyGroup))
            for image in try store.names() {
                XCTAssertEqual(vocabulary!.encode(try features.read(image).descriptors), try store.read(image), image)
            }
        }
        XCTAssertEqual(try ServedMap(folder: folder).vocabulary?.centroids, vocabulary!.centroids)
        do {
            let store = try GlobalDescriptorStore(path: path, mode: .update)
            try store.file.remove(GlobalDescriptorStore.vocabularyGroup)
            try store.flush()
            XCTAssertNil(try store.readVocabulary())
        }
        XCTAssertEqual(try ServedMap(folder: folder).vocabulary?.centroids, vocabulary!.centroids)
    }

    /// Older records without `rerank` read it from the query pairs' name.
    /// The settings one served image needs, as read from a record.
    func described(_ settings: ServedSettings) -> String {
        "\(settings.extract.record) \(settings.extract.weightsFolder ?? "-") \(settings.matching) \(String(describing: settings.lightGlue)) "
            + "\(settings.localization.thresholdPixels) \(settings.localization.seed) \(settings.minInliers) \(settings.covisibilityClustering) "
            + "\(settings.estimateFocal) \(settings.refineK1) \(settings.retrieval) \(settings.topK) \(String(describing: settings.rerank))"
    }

    /// A record without `settings` (a run recorded before them) is read from its flag lists, to
    /// the same settings as the values; an inconsistent flag list is still refused.
    func testARecordWithoutSettingsIsReadFromItsOptionsToTheSameSettings() throws {
        let folder = try copy()
        let path = folder + "/pipeline.json"
        let structured = try ServedMap(folder: folder).settings
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        XCTAssertNotNil(json.removeValue(forKey: "settings"))
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        let legacy = try ServedMap(folder: folder).settings
        XCTAssertEqual(described(legacy), described(structured))
        try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"2048\"", with: "\"1024\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        assertRefused(folder, saying: "the settings give features")
    }

    /// `pipeline.json` as reloc wrote it at c3d9ede (flag lists, no `settings`), for RootSIFT and
    /// for ALIKED + LightGlue: read to the settings those runs used.
    func testRecordsWrittenBeforeSettingsStillServe() throws {
        func settings(_ fixture: String) throws -> ServedSettings {
            let path = TestSupport.fixture("RelocTests", fixture)
            let record = try JSONDecoder().decode(PipelineRecord.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertNil(record.settings)
            return try ServedSettings(record: record, recordPath: path, weightsFolder: nil)
        }
        let sift = try settings("pipeline-c3d9ede-rootsift.json")
        XCTAssertEqual(sift.extract.record, {
            var record = FeatureStoreRecord(kind: "rootsift", maxKeypoints: 8192, maxEdge: 1600)
            record.contrast = "adaptive"; record.contrastThreshold = 0.04; record.lowestContrastThreshold = 0.01
            record.minimumKeypoints = 2048; record.upsample = false; record.upright = true
            return record
        }())
        XCTAssertEqual(sift.matching, MatchingOptions(mutual: true, ratio: 0.8))
        XCTAssertNil(sift.lightGlue)
        XCTAssertEqual([sift.localization.thresholdPixels, Double(sift.minInliers), Double(sift.topK)], [12, 6, 20])
        let aliked = try settings("pipeline-c3d9ede-aliked.json")
        XCTAssertEqual(aliked.extract.kind, .alikedN16)
        XCTAssertEqual(aliked.extract.detectionThreshold, 0.05)
        XCTAssertEqual(aliked.extract.featuresName, "feats-aliked-n16-n2048-r1024-th0.05")
        XCTAssertEqual(aliked.lightGlue?.weights, "/work/main/weights/aliked_lightglue.pth")
        XCTAssertEqual(aliked.lightGlue?.name, "lightglue")
    }

    func testRerankFromThePairsFileName() {
        XCTAssertEqual(ServedSettings.rerankCandidates(queryPairs: "/x/pairs-query-vlad60-rerank20.txt"), 60)
        XCTAssertNil(ServedSettings.rerankCandidates(queryPairs: "/x/pairs-query-vlad20.txt"))
    }

    /// A run with `matchToPoints` records it, names its query matches `..._points_...`, matches
    /// queries only to keypoints with a 3D point, and its served map localizes every query to the
    /// pose in its results.txt, to the last digit; older records read as matching every keypoint.
    func testMatchToPointsIsRecordedAndServedAsTheBatchRanIt() throws {
        let root = TestSupport.temporaryFolder(self)
        _ = try SyntheticDataset.generate(folder: root + "/tiny", preset: .tiny, seed: 3)
        var pipeline = PipelineTask(dataset: root + "/tiny", output: root + "/out")
        pipeline.report = false
        pipeline.matchToPoints = true
        _ = try pipeline.run()
        let map = try ServedMap(folder: root + "/out")
        XCTAssertTrue(map.settings.matchToPoints)
        XCTAssertTrue(map.record.files.queryMatches.contains("_NN-mutual-ratio0.8-points_"), map.record.files.queryMatches)
        XCTAssertTrue(try ServedMap(folder: try finishedRun()).settings.matchToPoints == false)

        // Every stored query match ends on a keypoint with a 3D point.
        let model = try ColmapModel.read(folder: map.record.files.map)
        var withPoint: [String: Set<Int>] = [:]
        for image in model.images.values { withPoint[image.name] = Set(image.points2D.indices.filter { image.points2D[$0].point3DID != nil }) }
        let store = try MatchStore(path: map.record.files.queryMatches, mode: .read)
        var checked = 0
        for pair in try PairsFile.read(path: map.record.files.queryPairs) {
            for m in try XCTUnwrap(try store.read(pair.first, pair.second)) {
                XCTAssertTrue(withPoint[pair.second]?.contains(m.index1) == true, "\(pair.first) \(pair.second) \(m.index1)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100)

        let service = LocalizationService(map: map)
        let poses = Dictionary(uniqueKeysWithValues: try String(contentsOfFile: root + "/out/results.txt", encoding: .utf8)
            .split(separator: "\n").map { line in (String(line.split(separator: " ")[0]), String(line.split(separator: " ", maxSplits: 1)[1])) })
        var localized = 0
        for list in ["day", "night"] {
            for entry in try QueryList.read(path: root + "/tiny/queries/\(list)_time_queries_with_intrinsics.txt") {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/tiny/images/" + entry.name)))
                let answer = try service.localize(LocalizationRequest(image: bytes, camera: entry.camera, name: entry.name))
                XCTAssertEqual(answer.camFromWorld, poses[(entry.name as NSString).lastPathComponent], entry.name)
                if answer.localized { localized += 1 }
            }
        }
        XCTAssertGreaterThan(localized, 0)

        // A map whose 2D points are not the features' keypoints is refused, naming it.
        var damaged = model
        let first = damaged.images.keys.sorted()[0]
        damaged.images[first]!.points2D.append(ColmapModel.Point2D(xy: Vector2(1, 1)))
        try damaged.write(folder: map.record.files.map, format: .binary)
        XCTAssertThrowsError(try ServedMap(folder: root + "/out")) { error in
            XCTAssertTrue("\(error)".contains(map.record.files.map) && "\(error)".contains("not triangulated from them"), "\(error)")
        }
    }

    /// A run fused with another (`--fuse-with`) is served with both runs' features, retrieval and
    /// matching, and gives every query the pose in its results.txt, to the last digit. Features
    /// posted without the image, and fusing with a fused run, are refused.
    func testFusedRunIsServedAsTheBatchRanIt() throws {
        let root = TestSupport.temporaryFolder(self)
        let other = try finishedRun()
        let dataset = (other as NSString).deletingLastPathComponent + "/tiny"
        var pipeline = PipelineTask(dataset: dataset, output: root + "/fused")
        pipeline.report = false
        pipeline.setFeatures(.sift)
        pipeline.setMatching(lightGlue: nil)
        pipeline.fuseWith = [other]
        _ = try pipeline.run()
        let map = try ServedMap(folder: root + "/fused")
        XCTAssertEqual(map.fusedRuns.map(\.folder), [other])
        let fusedMap = try XCTUnwrap(map.fusion?.map)
        XCTAssertEqual(fusedMap.pointCount, map.map.pointCount + map.fusedRuns[0].map.pointCount)
        XCTAssertEqual(map.summary.fusedWith?.map(\.folder), [other])
        XCTAssertNil(map.fusedRuns[0].summary.fusedWith)

        let service = LocalizationService(map: map)
        let poses = Dictionary(uniqueKeysWithValues: try String(contentsOfFile: root + "/fused/results.txt", encoding: .utf8)
            .split(separator: "\n").map { line in (String(line.split(separator: " ")[0]), String(line.split(separator: " ", maxSplits: 1)[1])) })
        var localized = 0, checked = 0
        for list in ["day", "night"] {
            for entry in try QueryList.read(path: dataset + "/queries/\(list)_time_queries_with_intrinsics.txt") {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dataset + "/images/" + entry.name)))
                let answer = try service.localize(LocalizationRequest(image: bytes, camera: entry.camera, name: entry.name))
                XCTAssertEqual(answer.camFromWorld, poses[(entry.name as NSString).lastPathComponent], entry.name)
                checked += 1
                if answer.localized { localized += 1 }
            }
        }
        XCTAssertEqual(checked, 8)
        XCTAssertGreaterThan(localized, 0)
        XCTAssertThrowsError(try service.localize(features: .fixture(pixels: [Vector2(1, 1)]), camera: map.map.cameras[0], name: "q.jpg")) { error in
            XCTAssertTrue("\(error)".contains("--fuse-with"), "\(error)")
        }

        var nested = PipelineTask(dataset: dataset, output: root + "/nested")
        nested.report = false
        nested.setFeatures(.sift)
        nested.setMatching(lightGlue: nil)
        nested.extraction.maxKeypoints = 1000
        nested.fuseWith = [root + "/fused"]
        XCTAssertThrowsError(try nested.run()) { error in
            XCTAssertTrue("\(error)".contains(root + "/fused/pipeline.json") && "\(error)".contains("itself fused"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/nested"))
    }

    /// `roundedAsStored` is what a FeatureStore gives back: the service matches exactly what
    /// `reloc match` read from the store. Values include float16 ties and keypoints whose − 0.5
    /// rounds.
    func testRoundedAsStoredEqualsAStoreRoundTrip() throws {
        var rng = SeededGenerator(seed: 4)
        let n = 500, d = 128
        var descriptors = (0..<(n * d)).map { _ in Float.random(in: -1...1, using: &rng) }
        for i in 0..<64 { descriptors[i] = Float(Float16(Float(i) / 64)) + Float(Float16(Float(i) / 64).ulp) / 2 }  // ties
        let keypoints = (0..<n).map { _ in SIMD2(Float.random(in: 0..<5000, using: &rng), Float.random(in: 0..<5000, using: &rng)) }
        let features = ImageFeatures(keypoints: keypoints, descriptors: descriptors, descriptorDimension: d,
                                     scores: (0..<n).map { Float($0) }, imageSize: SIMD2(5000, 5000), uncertainty: 1.25)
        let path = TestSupport.temporaryFolder(self) + "/f.h5"
        let store = try FeatureStore(path: path, mode: .create)
        try store.write("a.jpg", features, halfDescriptors: true)
        try store.flush()
        XCTAssertEqual(try store.read("a.jpg"), features.roundedAsStored(halfDescriptors: true))
    }
}
