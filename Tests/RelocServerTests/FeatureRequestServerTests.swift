import Foundation
import Reloc
import _TestSupport
import XCTest

/// `POST /v1/localize/features`: the features the pipeline extracted for each query, posted,
/// give the pose `reloc localize` wrote for it; malformed or mismatched features get 400.
extension LocalizationServerTests {
    func testPostedFeaturesGiveThePosesOfRelocLocalize() throws {
        let fixture = try ServedTinyMap.fixture()
        let store = try FeatureStore(path: fixture.map.record.files.features, mode: .read)
        let running = try start()
        defer { XCTAssertNoThrow(try running.stop()) }
        func post(_ query: String, _ body: [UInt8]) throws -> HTTPTestResponse {
            try HTTPTestClient.request(port: running.port, method: "POST", path: "/v1/localize/features?" + query, headers: [:], body: body)
        }
        for q in fixture.queries {
            let response = try post(Self.query(q.name, q.camera), FeatureRequestBody.encode(try store.read(q.name)))
            XCTAssertEqual(response.status, 200, response.text)
            let json = try response.json()
            XCTAssertEqual(json["cam_from_world"] as? String, q.pose, q.name)
            XCTAssertEqual((json["timing_ms"] as? [String: Double])?["extract"], 0)
        }
        let q = fixture.queries[0]
        var features = try store.read(q.name)
        let image = try post(Self.query(q.name, q.camera), try fixture.imageBytes(q.name))
        XCTAssertEqual(image.status, 400)
        XCTAssertTrue(image.text.contains("RLQFEAT1"), image.text)
        features.descriptorDimension = 64
        features.descriptors = Array(features.descriptors.prefix(features.count * 64))
        let other = try post(Self.query(q.name, q.camera), FeatureRequestBody.encode(features))
        XCTAssertEqual(other.status, 400)
        XCTAssertTrue(other.text.contains("dimension 64"), other.text)
        XCTAssertEqual(try running.get("/v1/localize/features").status, 405)
    }
}
