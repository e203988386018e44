@testable import Reloc
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
}
