import ArgumentParser
import Reloc

/// The extraction options that `reloc extract` and `reloc pipeline` share.
struct FeatureArguments: ParsableArguments {
    @Option(help: "Folder of the learned features' weights: the published checkpoints (reloc weights fetch puts ALIKED's and DISK's there; superpoint_v1.pth and hndesc_caps_MP_st.pth are copied in by hand).")
    var weights: String = PublishedWeights.defaultFolder

    @Option(name: .customLong("max-edge"), help: "Resize so that the longer edge is at most this many pixels (default 1024 for ALIKED, 1600 otherwise).")
    var maxEdge: Int?

    @Option(name: .customLong("max-keypoints"), help: "Keep the strongest N keypoints (default 8192 for SIFT, 4096 for SuperPoint, 2048 for ALIKED).")
    var maxKeypoints: Int?

    @Option(name: .customLong("detection-threshold"), help: "ALIKED: keypoint score threshold (default 0.05; the published 0.2; the strongest --max-keypoints are kept either way).")
    var detectionThreshold: Float?

    @Flag(help: "Double the image before the first SIFT octave (OpenCV's default: more small features, about 3× slower).")
    var upsample = false

    @Option(name: .customLong("contrast-threshold"), help: "SIFT DoG contrast threshold (OpenCV's 0.04).")
    var contrastThreshold: Double = ExtractTask.defaultContrastThreshold

    @Option(name: .customLong("min-keypoints"), help: "SIFT: when fewer keypoint locations than this pass --contrast-threshold, lower the threshold for that image (not below --lowest-contrast-threshold) and keep the strongest this many (default: a quarter of --max-keypoints; 0: off, as OpenCV).")
    var minKeypoints: Int?

    @Option(name: .customLong("lowest-contrast-threshold"), help: "SIFT: how far --min-keypoints may lower the contrast threshold.")
    var lowestContrastThreshold: Double = ExtractTask.defaultLowestContrastThreshold

    /// --max-keypoints, or the features' default.
    func maxKeypoints(for kind: ExtractTask.Kind) -> Int { maxKeypoints ?? kind.defaultMaxKeypoints }
    /// --detection-threshold, or the features' default.
    func detectionThreshold(for kind: ExtractTask.Kind) -> Float? { detectionThreshold ?? kind.defaultDetectionThreshold }
    /// --max-edge, or the features' default.
    func maxEdge(for kind: ExtractTask.Kind) -> Int { maxEdge ?? kind.defaultMaxEdge }
}
