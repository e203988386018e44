@testable import Reloc
import XCTest

/// The feature store's name carries every setting that changes the features.
final class ExtractionSettingsTests: XCTestCase {
    func testALIKEDDetectionThresholdIsInTheNameAndValidated() throws {
        var task = ExtractionSettings(kind: .alikedN16, maxEdge: 1024, maxKeypoints: 2048)
        task.weightsFolder = "weights"
        XCTAssertEqual(task.featuresName, "feats-aliked-n16-n2048-r1024")
        task.detectionThreshold = 0.2  // the published threshold: the name without a suffix
        XCTAssertEqual(task.featuresName, "feats-aliked-n16-n2048-r1024")
        task.detectionThreshold = FeatureKind.alikedN16.defaultDetectionThreshold
        XCTAssertEqual(task.featuresName, "feats-aliked-n16-n2048-r1024-th0.05")
        XCTAssertNoThrow(try task.validate())
        task.detectionThreshold = 1.5
        XCTAssertThrowsError(try task.validate()) { XCTAssertTrue("\($0)".contains("detection-threshold"), "\($0)") }
        // DISK has no threshold to change: its name stays.
        var disk = ExtractionSettings(kind: .disk, maxEdge: 1024, maxKeypoints: 2048)
        disk.detectionThreshold = 0.05
        XCTAssertEqual(disk.featuresName, "feats-disk-n2048-r1024")
    }
}
