import _TestSupport
import Formats
import Foundation
import Geometry
@testable import Reloc
import XCTest

/// Replays the fuzzing corpus (Tests/FuzzCorpus/<target>/): every seed must be read without an
/// error (so the fuzzer starts from valid inputs), and every input that once crashed a parser
/// (`crash-*`, kept from scripts/fuzz runs) must now be answered without a crash.
final class FuzzTargetTests: XCTestCase {
    static let corpus = TestSupport.repositoryRoot + "/Tests/FuzzCorpus"

    func testEveryTargetHasSeedsThatAreRead() throws {
        for target in FuzzTarget.allCases {
            let folder = "\(Self.corpus)/\(target.rawValue)"
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            let seeds = files.filter { $0.hasPrefix("seed-") }
            XCTAssertFalse(seeds.isEmpty, "\(target.rawValue): no seed in \(folder)")
            for seed in seeds {
                let bytes = try XCTUnwrap(FileManager.default.contents(atPath: "\(folder)/\(seed)"))
                XCTAssertTrue(target.run([UInt8](bytes)), "\(target.rawValue)/\(seed) was rejected")
            }
        }
    }

    /// Each `crash-*` input is a damaged file that once crashed a reader: it must now be refused
    /// with an error (a crash here fails the whole run), and the corpus must hold some.
    func testRegressionInputsAreRefusedWithoutACrash() throws {
        var replayed = 0
        for target in FuzzTarget.allCases {
            let folder = "\(Self.corpus)/\(target.rawValue)"
            for file in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where !file.hasPrefix("seed-") {
                XCTAssertTrue(file.hasPrefix("crash-"), "\(target.rawValue)/\(file): corpus files are seed-* or crash-*")
                let bytes = try XCTUnwrap(FileManager.default.contents(atPath: "\(folder)/\(file)"))
                XCTAssertFalse(target.run([UInt8](bytes)), "\(target.rawValue)/\(file) was accepted")
                replayed += 1
            }
        }
        XCTAssertGreaterThanOrEqual(replayed, 6, "the regression inputs of Tests/FuzzCorpus were not found")
    }

    /// Mutated seeds: every prefix and single-byte corruption of each seed (a cheap, deterministic
    /// stand-in for the fuzzer in the test suite; the fuzzer itself runs in scripts/fuzz).
    /// The empty input is refused, and so are some of the mutations (a reader that accepted
    /// everything would not be reading); a crash here fails the whole run.
    func testTruncatedAndCorruptedSeedsAreAnsweredWithoutACrash() throws {
        var generator = SeededGenerator(seed: 7)
        for target in FuzzTarget.allCases where ![.hdf5Features, .hdf5Matches].contains(target) {
            let folder = "\(Self.corpus)/\(target.rawValue)"
            var (runs, refused) = (0, 0)
            func replay(_ bytes: [UInt8]) {
                runs += 1
                if !target.run(bytes) { refused += 1 }
            }
            for seed in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where seed.hasPrefix("seed-") {
                let bytes = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: "\(folder)/\(seed)")))
                let step = max(1, bytes.count / 64)
                for end in stride(from: 0, to: bytes.count, by: step) { replay(Array(bytes[..<end])) }
                for _ in 0..<64 where !bytes.isEmpty {
                    var mutated = bytes
                    mutated[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                    replay(mutated)
                }
            }
            XCTAssertGreaterThan(runs, 64, "\(target.rawValue): no seed was mutated")
            XCTAssertGreaterThan(refused, 0, "\(target.rawValue): every truncated or corrupted input was accepted")
        }
    }

    /// Files that crash libhdf5 itself (Tests/FuzzKnownCrashes) are refused, not fatal, once the
    /// structure check runs in a child process (HDF5Guard, here with the reloc binary as checker).
    func testFilesThatCrashLibHDF5AreRefusedThroughTheChildCheck() throws {
        let reloc = TestSupport.executable("reloc")
        guard FileManager.default.isExecutableFile(atPath: reloc) else { throw XCTSkip("reloc binary not built") }
        let known = URL(fileURLWithPath: Self.corpus).deletingLastPathComponent().appendingPathComponent("FuzzKnownCrashes").path
        HDF5Guard.checker = reloc
        defer { HDF5Guard.checker = nil }
        var refused = 0
        for target in [FuzzTarget.hdf5Features, .hdf5Matches] {
            let folder = "\(known)/\(target.rawValue)"
            for file in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
                let bytes = try XCTUnwrap(FileManager.default.contents(atPath: "\(folder)/\(file)"))
                if !target.run([UInt8](bytes)) { refused += 1 }
            }
        }
        // The null write crashes in any build and is refused; the use after free goes unnoticed
        // without AddressSanitizer (it is refused under it, in scripts/fuzz).
        XCTAssertGreaterThanOrEqual(refused, 1)
        // Valid files still pass the check.
        let seed = try XCTUnwrap(FileManager.default.contents(atPath: "\(Self.corpus)/hdf5-features/seed-features.h5"))
        XCTAssertTrue(FuzzTarget.hdf5Features.run([UInt8](seed)))
    }

    func testLengthPrefixedPartsRoundTrip() {
        let parts: [[UInt8]] = [[1, 2, 3], [], [4, 5]]
        XCTAssertEqual(FuzzTarget.lengthPrefixedParts(FuzzTarget.lengthPrefixed(parts), count: 3), parts)
        // Lengths beyond the data are clamped, never read past the end.
        XCTAssertEqual(FuzzTarget.lengthPrefixedParts([255, 255, 255, 255, 0, 0, 0, 0, 9], count: 3), [[9], [], []])
        XCTAssertEqual(FuzzTarget.lengthPrefixedParts([255, 255, 255, 255, 9], count: 3), [[], [], []])
        XCTAssertEqual(FuzzTarget.lengthPrefixedParts([], count: 3), [[], [], []])
    }
}
