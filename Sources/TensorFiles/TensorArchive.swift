import Foundation

/// Named tensors from a weights file: a safetensors file or a PyTorch checkpoint.
public protocol TensorArchive: AnyObject, Sendable {
    /// The file, for errors.
    var path: String { get }
    /// Every tensor's name, sorted.
    var tensorNames: [String] { get }
    func shape(_ name: String) -> [Int]?
    /// A tensor's values as Float, row-major; `shape`, when given, must be the tensor's.
    func floats(_ name: String, shape: [Int]?) throws -> [Float]
}

public enum WeightsFile {
    /// Opens a weights file: `.pth` / `.pt` is a PyTorch checkpoint, `.safetensors` safetensors;
    /// another name by its content (a zip archive or a legacy pickle is a checkpoint).
    /// - Throws: `TensorFileError.invalid` naming the file.
    public static func open(_ path: String) throws -> any TensorArchive {
        switch (path as NSString).pathExtension.lowercased() {
        case "pth", "pt": return try TorchCheckpoint(path: path)
        case "safetensors": return try SafeTensors(path: path)
        default: break
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw TensorFileError.invalid(file: path, message: "cannot read (no such file?)") }
        let head = [UInt8]((try? handle.read(upToCount: TorchCheckpoint.legacyMagic.count)) ?? Data())
        try? handle.close()
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: TorchCheckpoint.legacyMagic) {
            return try TorchCheckpoint(path: path)
        }
        return try SafeTensors(path: path)
    }
}
