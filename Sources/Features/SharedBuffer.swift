/// A fixed-size buffer that concurrent workers (rows of an image, keypoints) write at
/// disjoint indices: the one place where reloc shares mutable memory across threads.
/// Callers guarantee that no two workers touch the same index.
public final class SharedBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Element>

    public init(count: Int, initialValue: Element) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: initialValue)
    }

    private init(storage: UnsafeMutableBufferPointer<Element>) { self.storage = storage }

    deinit { storage.deallocate() }

    @inline(__always) public func store(_ index: Int, _ value: Element) { storage[index] = value }
    @inline(__always) public func load(_ index: Int) -> Element { storage[index] }
    /// Raw access to a stretch of the buffer (callers keep to disjoint stretches when writing).
    @inline(__always) public func pointer(at index: Int) -> UnsafeMutablePointer<Element> { storage.baseAddress! + index }
    public func array() -> [Element] { Array(storage) }
}

/// The float buffers of the feature code.
typealias FloatBuffer = SharedBuffer<Float>

extension SharedBuffer where Element == Float {
    convenience init(count: Int) { self.init(count: count, initialValue: 0) }
}

extension SharedBuffer {
    /// A buffer whose every element the caller writes before any is read (no zero-fill pass;
    /// the elements are plain bits, so they need no initialisation of their own).
    convenience init(uninitializedCount count: Int) {
        self.init(storage: .allocate(capacity: count))
    }
}

/// A pointer into storage that concurrent workers write at disjoint indices, when the storage
/// is owned elsewhere (e.g. an array being initialised in place); the same contract as
/// `SharedBuffer`.
struct SharedPointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    /// Storage the workers only read (never written through this pointer).
    init(reading base: UnsafePointer<Element>) { self.base = UnsafeMutablePointer(mutating: base) }
}
