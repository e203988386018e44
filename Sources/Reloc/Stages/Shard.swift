/// One part of a split of the work over processes or machines: `index` of `count`
/// (0 ≤ index < count). An image belongs to the shard given by a hash of its name (FNV-1a, 64
/// bits, of its UTF-8 bytes, modulo `count`), so every stage splits alike without sharing any
/// state: `extract` the images of a list, `match` the pairs by their first image, `localize` the
/// queries. A query's features, its pairs' matches and its pose therefore all come from the same
/// shard. Merging (`reloc merge`) puts results back in the lists' order.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count > 0, index >= 0, index < count else {
            throw RelocError.invalidArgument("--shard must be i/n with 0 ≤ i < n, got '\(index)/\(count)'")
        }
        self.index = index; self.count = count
    }

    /// Parses `i/n` (0-based, as Slurm array task ids and Kubernetes completion indexes).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n > 0, i >= 0, i < n else {
            throw RelocError.invalidArgument("--shard must be i/n with 0 ≤ i < n, got '\(text)'")
        }
        index = i; count = n
    }

    /// Whether the image (or query) called `name` belongs to this shard.
    public func contains(_ name: String) -> Bool {
        Int(Self.hash(name) % UInt64(count)) == index
    }

    /// FNV-1a, 64 bits: stable across runs, machines and Swift versions (unlike `Hasher`).
    static func hash(_ name: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    public var description: String { "\(index)/\(count)" }
}
