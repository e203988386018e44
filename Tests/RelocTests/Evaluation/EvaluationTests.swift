import _TestSupport
import Formats
import Geometry
@testable import Reloc
import XCTest

final class EvaluationTests: XCTestCase {
    /// Ground truth: camera at the origin looking along +z, and one rotated 90° about y.
    let truth = [
        PoseEntry(name: "query/day/a.jpg", camFromWorld: .identity),
        PoseEntry(name: "query/day/b.jpg", camFromWorld: Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: .pi / 2),
                                                                translation: Vector3(1, 0, 0))),
        PoseEntry(name: "query/night/c.jpg", camFromWorld: .identity),
        PoseEntry(name: "query/night/d.jpg", camFromWorld: .identity),
    ]

    func testHandComputedErrors() throws {
        // a: translation t = (0, 0, -0.3) → centre c = -t = (0, 0, 0.3): 0.3 m, 0°.
        // b: exact. c: 3° about x, same centre. d: missing → infinite.
        let results = [
            PoseEntry(name: "a.jpg", camFromWorld: Rigid3(translation: Vector3(0, 0, -0.3))),
            PoseEntry(name: "b.jpg", camFromWorld: truth[1].camFromWorld),
            PoseEntry(name: "c.jpg", camFromWorld: Rigid3(rotation: Quaternion(axis: Vector3(1, 0, 0), angle: 3 * .pi / 180))),
            PoseEntry(name: "zzz.jpg", camFromWorld: .identity),
        ]
        let report = try Evaluation.evaluate(results: results, groundTruth: truth)
        let byName = Dictionary(uniqueKeysWithValues: report.queries.map { ($0.name, $0) })
        XCTAssertEqual(byName["query/day/a.jpg"]!.positionError, 0.3, accuracy: 1e-12)
        XCTAssertEqual(byName["query/day/a.jpg"]!.rotationErrorDegrees, 0, accuracy: 1e-9)
        XCTAssertEqual(byName["query/day/b.jpg"]!.positionError, 0, accuracy: 1e-12)
        XCTAssertEqual(byName["query/night/c.jpg"]!.rotationErrorDegrees, 3, accuracy: 1e-9)
        XCTAssertEqual(byName["query/night/c.jpg"]!.positionError, 0, accuracy: 1e-12)
        XCTAssertEqual(byName["query/night/d.jpg"]!.positionError, .infinity)
        XCTAssertEqual(report.unmatchedResults, ["zzz.jpg"])

        XCTAssertEqual(report.conditions.map(\.condition), ["all", "day", "night"])
        let all = report.conditions[0], day = report.conditions[1], night = report.conditions[2]
        XCTAssertEqual(all.count, 4)
        // Within (0.25 m, 2°): b only; (0.5, 5): a, b, c; (5, 10): a, b, c.
        XCTAssertEqual(all.percentWithin, [25, 75, 75])
        XCTAssertEqual(day.percentWithin, [50, 100, 100])
        XCTAssertEqual(night.percentWithin, [0, 50, 50])
        XCTAssertEqual(day.medianPositionError, 0.15, accuracy: 1e-12)
        XCTAssertEqual(night.medianRotationErrorDegrees, .infinity)
        XCTAssertEqual(all.medianPositionError, 0.15, accuracy: 1e-12)  // sorted: 0, 0, 0.3, inf
    }

    func testConditionsFromQueryLists() throws {
        XCTAssertEqual(Evaluation.conditionFromListFile("/x/day_time_queries_with_intrinsics.txt"), "day")
        XCTAssertEqual(Evaluation.conditionFromListFile("night_time_queries_with_intrinsics.txt"), "night")
        XCTAssertEqual(Evaluation.conditionFromListFile("dusk_queries_with_intrinsics.txt"), "dusk")
        let results = [PoseEntry(name: "a.jpg", camFromWorld: .identity)]
        let report = try Evaluation.evaluate(results: results, groundTruth: truth,
                                             queryConditions: [("a.jpg", "dusk"), ("x.jpg", "dusk")],
                                             thresholds: [ErrorThreshold(meters: 0.1, degrees: 1)])
        XCTAssertEqual(report.conditions.map(\.condition), ["all", "dusk"])
        XCTAssertEqual(report.conditions[1].count, 1)
        XCTAssertEqual(report.conditions[1].percentWithin, [100])
        XCTAssertEqual(report.queriesWithoutGroundTruth, ["x.jpg"])
    }

    /// Cambridge's basenames repeat across sequences: results name such queries by a longer
    /// ending of the path; a basename that fits two queries matches neither.
    func testRepeatedBasenamesAreMatchedByPath() throws {
        let gt = [PoseEntry(name: "seq1/a.png", camFromWorld: .identity), PoseEntry(name: "seq2/a.png", camFromWorld: .identity)]
        let results = [PoseEntry(name: "seq2/a.png", camFromWorld: Rigid3(translation: Vector3(0, 0, 0.02))),
                       PoseEntry(name: "a.png", camFromWorld: .identity)]
        let report = try Evaluation.evaluate(results: results, groundTruth: gt)
        XCTAssertEqual(report.queries.map(\.name), ["seq1/a.png", "seq2/a.png"])
        XCTAssertEqual(report.queries[0].positionError, .infinity)
        XCTAssertEqual(report.queries[1].positionError, 0.02, accuracy: 1e-12)
        XCTAssertEqual(report.unmatchedResults, ["a.png"])
        XCTAssertThrowsError(try Evaluation.evaluate(results: [], groundTruth: gt + [gt[0]]))
    }

    /// What Cambridge and 7-Scenes papers print: median errors in cm and the share within (5 cm, 5°).
    func testSmallSceneMetrics() throws {
        let results = [
            PoseEntry(name: "a.jpg", camFromWorld: Rigid3(translation: Vector3(0, 0, -0.04))),  // 4 cm, 0°: within
            PoseEntry(name: "b.jpg", camFromWorld: truth[1].camFromWorld),                       // exact
            PoseEntry(name: "c.jpg", camFromWorld: Rigid3(rotation: Quaternion(axis: Vector3(1, 0, 0), angle: 6 * .pi / 180))),  // 6°: not
            PoseEntry(name: "d.jpg", camFromWorld: Rigid3(translation: Vector3(0, 0.06, 0))),    // 6 cm: not
        ]
        let report = try Evaluation.evaluate(results: results, groundTruth: truth)
        XCTAssertEqual(report.conditions[0].percentWithinSmallScene, 50)
        XCTAssertEqual(report.conditions[1].percentWithinSmallScene, 100)
        let table = report.formatTable()
        XCTAssertTrue(table.contains("median pos [cm]"), table)
        XCTAssertTrue(table.contains("(5cm, 5°)"), table)
        let object = try JSONSerialization.jsonObject(with: Data(report.formatJSON().utf8)) as! [String: Any]
        let all = (object["conditions"] as! [String: Any])["all"] as! [String: Any]
        XCTAssertEqual(all["percent_within_5cm_5deg"] as? Double, 50)
        XCTAssertEqual((all["median_position_error_cm"] as! NSNumber).doubleValue, 2, accuracy: 1e-9)
    }

    func testThresholdParsing() throws {
        XCTAssertEqual(try ErrorThreshold.parseList("0.25,2 0.5,5 5,10"), ErrorThreshold.aachen)
        for bad in ["", "0.25", "0.25,x", "-1,2", "1,2,3"] {
            XCTAssertThrowsError(try ErrorThreshold.parseList(bad), bad)
        }
    }

    func testJSONShape() throws {
        let report = try Evaluation.evaluate(results: [PoseEntry(name: "a.jpg", camFromWorld: .identity)], groundTruth: truth)
        let json = report.formatJSON()
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let conditions = object["conditions"] as! [String: Any]
        let day = conditions["day"] as! [String: Any]
        XCTAssertEqual(day["count"] as? Int, 2)
        XCTAssertEqual(day["median_position_error_m"] as? Double, nil, "infinite median is null")
        let thresholds = day["thresholds"] as! [[String: Any]]
        XCTAssertEqual(thresholds.count, 3)
        XCTAssertEqual(thresholds[0]["meters"] as? Double, 0.25)
        XCTAssertEqual(thresholds[0]["degrees"] as? Double, 2)
        XCTAssertEqual(thresholds[0]["percent"] as? Double, 50)
        XCTAssertNotNil(conditions["all"])
        XCTAssertNotNil(conditions["night"])
    }
}

import Foundation

final class SubmissionValidationTests: XCTestCase {
    func testValidSubmission() {
        let text = "a.jpg 1 0 0 0 1 2 3\nb.jpg 0 1 0 0 4 5 6\n"
        XCTAssertEqual(SubmissionValidation.validate(text, file: "s", queryNames: ["query/day/a.jpg", "query/night/b.jpg"]), [])
    }

    func testEveryProblemIsListed() {
        let text = """
            a.jpg 1 0 0 0 1 2 3
            query/day/b.jpg 1 0 0 0 1 2 3
            a.jpg 1 0 0 0 1 2 3
            c.jpg 2 0 0 0 1 2 3
            x.jpg 1 0 0 0 1 2 3
            d.jpg 1 0 0 0 1 2
            e.jpg 1 0 0 0 nan 2 3
            """
        let problems = SubmissionValidation.validate(text, file: "s", queryNames: ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg", "f.jpg"])
        let descriptions = problems.map(\.description)
        XCTAssertEqual(descriptions, [
            "line 2: 'query/day/b.jpg' is a path; submissions name queries by basename ('b.jpg')",
            "line 3: 'a.jpg' appears again (first on line 1)",
            "line 4: quaternion is not unit length (norm 2)",
            "line 5: 'x.jpg' is not a query of the given lists",
            "line 6: expected 8 fields (name qw qx qy qz tx ty tz), got 7",
            "line 7: field 6 'nan' is not a finite number",
            "query 'd.jpg' has no pose",
            "query 'f.jpg' has no pose",
        ])
    }

    func testRobotCarAndCMUSubmissionsAreCheckedByTheirNaming() {
        let robotcar = SubmissionValidation.validate("rear/1.jpg 1 0 0 0 1 2 3\n2.jpg 1 0 0 0 1 2 3\n", file: "s",
                                                     queryNames: ["night/rear/1.jpg", "night/left/2.jpg"], format: .robotcar)
        XCTAssertEqual(robotcar.map(\.description), [
            "line 2: '2.jpg' is not CAMERA/BASENAME with CAMERA one of left, rear, right (RobotCar Seasons)",
            "line 2: '2.jpg' is not a query of the given lists",
            "query 'left/2.jpg' has no pose",
        ])
        let cmu = SubmissionValidation.validate("img_00001_c0_1us.jpg 1 0 0 0 1 2 3\n", file: "s",
                                                queryNames: ["query/img_00001_c0_1us.jpg"], format: .cmu)
        XCTAssertEqual(cmu, [])
    }
}
