/// One camera of a multi-camera rig: its intrinsics and where it sits on the rig.
public struct RigCamera: Equatable, Sendable {
    public var camera: Camera
    /// Rig-to-camera transform (COLMAP's `cam_from_rig`).
    public var camFromRig: Rigid3

    public init(camera: Camera, camFromRig: Rigid3) {
        self.camera = camera
        self.camFromRig = camFromRig
    }
}
