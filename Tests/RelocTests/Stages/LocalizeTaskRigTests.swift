import Formats
import Geometry
@testable import Reloc
import XCTest

/// The synthetic rig preset's configuration and how the localization groups its images.
final class LocalizeTaskRigTests: XCTestCase {
    func testSyntheticRigGroupsEachFramesThreeImages() throws {
        let rig = SyntheticDataset.syntheticRig
        let names = (0..<3).map { "query/rig/cam\($0)_night_0007.jpg" }
        let memberships = names.compactMap(rig.membership(of:))
        XCTAssertEqual(memberships.map(\.sensor), [0, 1, 2])
        XCTAssertEqual(Set(memberships.map(\.frame)), ["night_0007.jpg"])
        let units = LocalizeTask.units(names.map { QueryEntry(name: $0, camera: try! Camera(model: .simplePinhole, width: 4, height: 4, params: [4, 2, 2])) }
                                       + [QueryEntry(name: "query/day/x.jpg", camera: try Camera(model: .simplePinhole, width: 4, height: 4, params: [4, 2, 2]))],
                                       rig: rig)
        XCTAssertEqual(units.map(\.count), [3, 1])
        // The side cameras look ±60° away from the front one.
        for sensor in rig.rigs[0].sensors.dropFirst() {
            XCTAssertEqual(sensor.camFromRig.rotation.angularDistance(to: .identity) * 180 / .pi, 60, accuracy: 1e-9)
        }
    }
}
