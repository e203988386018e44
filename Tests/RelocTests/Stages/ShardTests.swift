@testable import Reloc
import XCTest

final class ShardTests: XCTestCase {
    func testHashIsFNV1a64() {
        // Published FNV-1a 64-bit test vectors.
        XCTAssertEqual(Shard.hash(""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(Shard.hash("a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(Shard.hash("foobar"), 0x8594_4171_f739_67e8)
    }

    func testEveryNameIsInExactlyOneShardAndShardsAreBalanced() throws {
        let names = (0..<3000).map { String(format: "query/night/%04d_night.jpg", $0) }
        let shards = try (0..<7).map { try Shard(index: $0, count: 7) }
        var sizes = [Int](repeating: 0, count: 7)
        for name in names {
            let owners = shards.filter { $0.contains(name) }
            XCTAssertEqual(owners.count, 1, name)
            sizes[owners[0].index] += 1
        }
        // 3000 / 7 ≈ 429 each; a hash split stays within a few percent at this size.
        for size in sizes { XCTAssertEqual(Double(size), 3000.0 / 7, accuracy: 60, "\(sizes)") }
        XCTAssertTrue(try Shard(parsing: "0/1").contains("anything"))
    }

    func testParsing() throws {
        XCTAssertEqual(try Shard(parsing: "2/5"), try Shard(index: 2, count: 5))
        for bad in ["5/5", "-1/3", "1/0", "1", "a/b", "1/2/3", "/2"] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad) { XCTAssertTrue("\($0)".contains("0 ≤ i < n"), "\($0)") }
        }
    }
}
