@testable import Reloc
import Features
import XCTest

/// The pair budget the pipeline gives LightGlue, and the settings that take it away.
final class PipelineTaskBudgetTests: XCTestCase {
    func task(_ kind: FeatureKind) -> PipelineTask {
        var task = PipelineTask(dataset: "/ds", output: "/out")
        task.setFeatures(kind)
        return task
    }

    func testLightGlueGetsThePairBudgetNearestNeighboursTheFullLists() {
        var learned = task(.xfeat)
        learned.setMatching(lightGlue: LightGlueSettings(weights: "weights/xfeat-lighterglue.pt"))
        XCTAssertEqual(learned.topK, 5)
        XCTAssertEqual(learned.databaseTopK, 5)
        XCTAssertEqual(learned.rerankCandidates, 20)
        XCTAssertEqual(learned.lightGlue?.heads, 1)
        XCTAssertNil(learned.ratio)  // XFeat's nearest neighbours: mutual, no ratio

        var sift = task(.rootsift)
        sift.setMatching(lightGlue: nil)
        XCTAssertEqual(sift.topK, 20)
        XCTAssertEqual(sift.databaseTopK, 20)
        XCTAssertNil(sift.rerankCandidates)
        XCTAssertEqual(sift.ratio, 0.8)
    }

    func testGivenListsReplaceTheBudget() {
        var aliked = task(.alikedN16)
        aliked.setMatching(lightGlue: LightGlueSettings(weights: "weights/aliked_lightglue.pth"), topK: 12, databaseTopK: 9)
        XCTAssertEqual(aliked.topK, 12)
        XCTAssertEqual(aliked.databaseTopK, 9)
        XCTAssertEqual(aliked.rerankCandidates, 36)  // at least 3 × top-k
        aliked.setMatching(lightGlue: LightGlueSettings(weights: "weights/aliked_lightglue.pth"), rerank: 0, topK: 20, databaseTopK: 20)
        XCTAssertNil(aliked.rerankCandidates)
        XCTAssertEqual(aliked.lightGlue?.heads, 4)
    }

    /// XFeat's nearest neighbours are the published `match`: mutual, no ratio, a cosine of at
    /// least 0.82 — in the match files' names, in `pipeline.json`, and in what `reloc serve`
    /// reads back from it, both from the values and from the flag lists. LightGlue and the other
    /// kinds have no floor; -1 turns it off.
    func testXFeatNearestNeighboursKeepThePublishedCosineFloor() throws {
        var xfeat = task(.xfeat)
        xfeat.setMatching(lightGlue: nil)
        XCTAssertEqual(xfeat.minCosine, 0.82)
        XCTAssertEqual(xfeat.files(featuresName: "f").queryMatches.contains("NN-mutual-cos0.82"), true, xfeat.files(featuresName: "f").queryMatches)
        let files = RunFiles(imageFolder: "/i", model: "/m", queryLists: [], features: "/f.h5", map: "/m", queryPairs: "/p.txt",
                             queryMatches: "/q.h5", results: "/r.txt", matchOptions: xfeat.matchOptions, localizeOptions: xfeat.localizeOptions)
        let record = try JSONDecoder().decode(PipelineRecord.self, from: try xfeat.settingsRecord(files: files).json())
        XCTAssertEqual(record.matcher, "NN-mutual-cos0.82")
        XCTAssertEqual(record.settings?.matching.options, MatchingOptions(mutual: true, ratio: nil, minCosine: 0.82))
        let served = try ServedSettings(record: record, recordPath: "/pipeline.json", weightsFolder: "/w")
        XCTAssertEqual(served.matching, MatchingOptions(mutual: true, ratio: nil, minCosine: 0.82))
        var legacy = record
        legacy.settings = nil
        legacy.files.extractOptions = xfeat.extractOptions(upright: false)
        XCTAssertEqual(try ServedSettings(record: legacy, recordPath: "/pipeline.json", weightsFolder: "/w").matching,
                       MatchingOptions(mutual: true, ratio: nil, minCosine: 0.82))

        xfeat.setMatching(minCosine: -1, lightGlue: nil)
        XCTAssertNil(xfeat.minCosine)
        xfeat.setMatching(minCosine: -2, lightGlue: nil)
        XCTAssertThrowsError(try xfeat.validate())
        xfeat.setMatching(lightGlue: LightGlueSettings(weights: "weights/xfeat-lighterglue.pt"))
        XCTAssertNil(try JSONDecoder().decode(PipelineRecord.self, from: try xfeat.settingsRecord(files: files).json()).settings?.matching.minCosine)
        var sift = task(.rootsift)
        sift.setMatching(lightGlue: nil)
        XCTAssertNil(sift.minCosine)
    }
}
