import _TestSupport
@testable import Formats
import Foundation
import Geometry
import XCTest

final class RigConfigTests: XCTestCase {
    let colmapExample = """
        [
          {
            "cameras": [
              {"image_prefix": "rig1/camera1/", "ref_sensor": true},
              {"image_prefix": "rig1/camera2/",
               "cam_from_rig_rotation": [0.7071067811865475, 0.0, 0.7071067811865476, 0.0],
               "cam_from_rig_translation": [0, 0, 0.5],
               "camera_model_name": "PINHOLE", "camera_params": [500, 500, 320, 240]}
            ]
          },
          {"cameras": [{"image_prefix": "rig2/a_", "ref_sensor": true}]}
        ]
        """

    func testReadsCOLMAPsFormAndGroupsImagesIntoFrames() throws {
        let config = try RigConfig.parse(Data(colmapExample.utf8), file: "rig.json")
        XCTAssertEqual(config.rigs.count, 2)
        XCTAssertEqual(config.rigs[0].sensors.map(\.imagePrefix), ["rig1/camera1/", "rig1/camera2/"])
        XCTAssertTrue(config.rigs[0].sensors[0].isReference)
        XCTAssertEqual(config.rigs[0].sensors[0].camFromRig, .identity)
        let second = config.rigs[0].sensors[1].camFromRig
        XCTAssertEqual(second.rotation.w, 0.7071067811865475, accuracy: 1e-12)
        XCTAssertEqual(second.rotation.y, 0.7071067811865476, accuracy: 1e-12)
        XCTAssertEqual(second.translation, Vector3(0, 0, 0.5))
        XCTAssertEqual(config.membership(of: "rig1/camera2/0001.jpg"), .init(rig: 0, sensor: 1, frame: "0001.jpg"))
        XCTAssertEqual(config.membership(of: "rig2/a_0001.jpg"), .init(rig: 1, sensor: 0, frame: "0001.jpg"))
        XCTAssertNil(config.membership(of: "other/0001.jpg"))
        // json() reads back to the same configuration.
        XCTAssertEqual(try RigConfig.parse(Data(config.json().utf8), file: "again.json"), config)
    }

    func testBadConfigurationsNameTheProblem() {
        let cases: [(String, String)] = [
            ("{", "not valid JSON"),
            ("{}", "expected a JSON list of rigs"),
            ("[{\"cameras\": []}]", "rig 0: expected"),
            ("[{\"cameras\": [{\"ref_sensor\": true}]}]", "missing \"image_prefix\""),
            ("[{\"cameras\": [{\"image_prefix\": \"a/\"}]}]", "needs cam_from_rig_rotation"),
            ("[{\"cameras\": [{\"image_prefix\": \"a/\", \"ref_sensor\": true}, {\"image_prefix\": \"b/\", \"ref_sensor\": true}]}]", "exactly one camera"),
            ("[{\"cameras\": [{\"image_prefix\": \"a/\", \"ref_sensor\": true}, {\"image_prefix\": \"a/\", \"ref_sensor\": false}]}]", "appears twice"),
            ("[{\"cameras\": [{\"image_prefix\": \"a/\", \"ref_sensor\": true}, {\"image_prefix\": \"b/\", \"cam_from_rig_rotation\": [2, 0, 0, 0], \"cam_from_rig_translation\": [0, 0, 0]}]}]", "not a unit quaternion"),
            ("[{\"cameras\": [{\"image_prefix\": \"a/\", \"ref_sensor\": true}, {\"image_prefix\": \"b/\", \"cam_from_rig_rotation\": [1, 0, 0], \"cam_from_rig_translation\": [0, 0, 0]}]}]", "list of 4 numbers"),
            ("[{\"cameras\": [{\"image_prefix\": \"a/\", \"ref_sensor\": true, \"cam_from_rig_rotation\": [0, 1, 0, 0], \"cam_from_rig_translation\": [0, 0, 0]}]}]", "must be the identity"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try RigConfig.parse(Data(text.utf8), file: "bad.json"), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("bad.json") && message.contains(expected), "\(text): \(message)")
            }
        }
    }

    func testUnknownCamerasInQueryLists() throws {
        let entries = try QueryList.parse("a.jpg UNKNOWN 1600 1200\nb.jpg SIMPLE_PINHOLE 640 480 500 320 240\n", file: "q.txt")
        XCTAssertTrue(entries[0].focalUnknown)
        XCTAssertEqual(entries[0].camera.model, .simplePinhole)
        XCTAssertEqual(entries[0].camera.params, [1920, 800, 600])
        XCTAssertFalse(entries[1].focalUnknown)
        XCTAssertEqual(QueryList.format(entries), "a.jpg UNKNOWN 1600 1200\nb.jpg SIMPLE_PINHOLE 640 480 500 320 240\n")
        for bad in ["a.jpg UNKNOWN 1600", "a.jpg UNKNOWN 1600 0", "a.jpg UNKNOWN 1600 1200 800"] {
            XCTAssertThrowsError(try QueryList.parse(bad + "\n", file: "q.txt")) { error in
                XCTAssertTrue("\(error)".contains("q.txt:1") && "\(error)".contains("UNKNOWN"), "\(error)")
            }
        }
    }
}
