import Foundation
import Reloc
import _TestSupport

/// The tiny synthetic preset run through `reloc pipeline` (in this process, SIFT defaults), once
/// per test run: the map the server tests serve, with `results.txt` — `reloc localize`'s poses —
/// to compare the served poses with.
enum ServedTinyMap {
    struct Fixture: @unchecked Sendable {
        let dataset: String
        let output: String
        let map: ServedMap
        /// Query name → (camera text, submission pose text).
        let queries: [(name: String, camera: String, pose: String)]

        func imageBytes(_ name: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: dataset + "/images/" + name)))
        }
    }

    nonisolated(unsafe) private static var cached: Fixture?
    private static let lock = NSLock()

    static func fixture() throws -> Fixture {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let root = TestSupport.temporaryFolder()
        let dataset = root + "/tiny", output = root + "/out"
        _ = try SyntheticDataset.generate(folder: dataset, preset: .tiny, seed: 1)
        var pipeline = PipelineTask(dataset: dataset, output: output)
        pipeline.report = false
        _ = try pipeline.run()
        let poses = Dictionary(uniqueKeysWithValues: try String(contentsOfFile: output + "/results.txt", encoding: .utf8)
            .split(separator: "\n").map { line -> (String, String) in
                let fields = line.split(separator: " ", maxSplits: 1)
                return (String(fields[0]), String(fields[1]))
            })
        var queries: [(String, String, String)] = []
        for list in ["day", "night"] {
            for entry in try QueryList.read(path: dataset + "/queries/\(list)_time_queries_with_intrinsics.txt") {
                queries.append((entry.name, entry.camera.colmapDescription, poses[imageBasename(entry.name)]!))
            }
        }
        let fixture = Fixture(dataset: dataset, output: output, map: try ServedMap(folder: output), queries: queries)
        cached = fixture
        return fixture
    }
}
