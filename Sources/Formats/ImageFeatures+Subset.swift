extension ImageFeatures {
    /// The keypoints at `indices` (each below `count`), in that order, with their descriptors
    /// and scores; the image size and uncertainty unchanged.
    public func subset(_ indices: [Int]) -> ImageFeatures {
        let d = descriptorDimension
        var picked = [Float]()
        picked.reserveCapacity(indices.count * d)
        descriptors.withUnsafeBufferPointer { all in
            for i in indices { picked.append(contentsOf: all[(i * d)..<((i + 1) * d)]) }
        }
        return ImageFeatures(keypoints: indices.map { keypoints[$0] }, descriptors: picked, descriptorDimension: d,
                             scores: scores.isEmpty ? [] : indices.map { scores[$0] }, imageSize: imageSize, uncertainty: uncertainty)
    }
}
