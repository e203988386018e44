/// A float32 feature map of one image: `channels × height × width`, row-major (PyTorch's NCHW
/// with N = 1), `data[(c * height + y) * width + x]`.
public struct Tensor: Equatable, Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var data: [Float]

    public init(channels: Int, height: Int, width: Int, data: [Float]) {
        precondition(data.count == channels * height * width, "tensor data does not match its shape")
        self.channels = channels; self.height = height; self.width = width; self.data = data
    }

    public init(channels: Int, height: Int, width: Int, repeating value: Float = 0) {
        self.init(channels: channels, height: height, width: width, data: [Float](repeating: value, count: channels * height * width))
    }

    public var plane: Int { height * width }

    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }

    /// The largest |a − b| / max(|b|, floor) over all elements (shapes must match).
    public func maxRelativeError(to reference: Tensor, floor: Float = 1e-3) -> Float {
        precondition(channels == reference.channels && height == reference.height && width == reference.width)
        var worst: Float = 0
        for i in data.indices { worst = max(worst, abs(data[i] - reference.data[i]) / max(abs(reference.data[i]), floor)) }
        return worst
    }
}
