import Geometry

/// The procedural place that `reloc synth` renders: a street of building façades with a
/// cobbled ground, kiosks and pillars standing in it, closed by a façade at each end, and
/// street lamps for the night.
///
/// World frame: y points **down** (gravity), the ground is the plane y = 0, the street runs
/// along +z between the façade planes x = −halfWidth and x = +halfWidth. Units are metres.
public struct SyntheticScene: Sendable {
    /// One building's façade: a span along the street (or across it, for the end walls).
    struct Facade: Sendable {
        enum Side: Sendable {
            case left, right, near, far
            var index: Int { self == .left ? 0 : (self == .right ? 1 : (self == .near ? 2 : 3)) }
        }
        var side: Side
        /// Span along the façade's own u axis (z for the sides, x for the ends).
        var start: Double
        var end: Double
        var height: Double
        var brick: Bool
        var base: Color
        var seed: Int
        var windowSpacing: Double
        var floorHeight: Double
    }

    /// An axis-aligned box standing on the ground (kiosk, pillar, bench block).
    struct Block: Sendable {
        var minimum: Vector3
        var maximum: Vector3
        var seed: Int
        var posters: Bool
    }

    /// A bright disc painted on a surface, used by tests to check projection against rendering.
    public struct Marker: Sendable {
        public var center: Vector3
        public var radius: Double

        public init(center: Vector3, radius: Double) { self.center = center; self.radius = radius }
    }

    let halfWidth = 6.0
    let zNear = -12.0
    let zFar = 96.0
    var facades: [Facade] = []
    /// Indices into `facades` per side, sorted by span (left, right, near, far).
    var facadesBySide: [[Int]] = [[], [], [], []]
    var blocks: [Block] = []
    /// Street lamp heads (world points).
    var lamps: [Vector3] = []
    public var markers: [Marker] = []

    /// Builds the scene for a seed: building widths, heights, materials and the positions of
    /// blocks and lamps all follow from it.
    public init(seed: UInt64) {
        var rng = SeededGenerator(seed: seed &+ 0x5CE7E)
        let palette: [Color] = [Color(0.55, 0.25, 0.18), Color(0.62, 0.48, 0.35), Color(0.7, 0.66, 0.58),
                                Color(0.45, 0.42, 0.40), Color(0.75, 0.58, 0.42), Color(0.5, 0.3, 0.25)]
        var nextSeed = Int(truncatingIfNeeded: seed &* 7919)
        func makeFacade(_ side: Facade.Side, _ start: Double, _ end: Double) -> Facade {
            nextSeed &+= 1
            return Facade(side: side, start: start, end: end, height: 8 + 10 * rng.nextUnit(),
                          brick: rng.nextUnit() < 0.6, base: palette[Int(rng.next() % UInt64(palette.count))],
                          seed: nextSeed, windowSpacing: 2.2 + 1.2 * rng.nextUnit(), floorHeight: 2.9 + 0.5 * rng.nextUnit())
        }
        for side in [Facade.Side.left, .right] {
            var z = zNear
            while z < zFar {
                let width = min(7 + 8 * rng.nextUnit(), zFar - z)
                facades.append(makeFacade(side, z, z + width))
                z += width
            }
        }
        facades.append(makeFacade(.near, -halfWidth, halfWidth))
        facades.append(makeFacade(.far, -halfWidth, halfWidth))
        for (index, facade) in facades.enumerated() { facadesBySide[facade.side.index].append(index) }

        // Kiosks and pillars along the street, away from its centre line.
        for k in 0..<7 {
            let z = 6 + Double(k) * 11 + 4 * rng.nextUnit()
            let x = (k % 2 == 0 ? -1.0 : 1.0) * (3.2 + 1.2 * rng.nextUnit())
            let pillar = k % 3 == 2
            let w = pillar ? 0.5 : 1.2 + 0.8 * rng.nextUnit()
            let d = pillar ? 0.5 : 1.0 + 0.8 * rng.nextUnit()
            let h = pillar ? 4.5 : 2.2 + 0.6 * rng.nextUnit()
            nextSeed &+= 1
            blocks.append(Block(minimum: Vector3(x - w / 2, -h, z - d / 2), maximum: Vector3(x + w / 2, 0, z + d / 2),
                                seed: nextSeed, posters: !pillar))
        }
        for k in 0..<9 {
            lamps.append(Vector3(k % 2 == 0 ? -5.2 : 5.2, -4.6, Double(k) * 11 - 2))
        }
    }
}

/// What a ray hit.
struct SurfaceHit {
    var distance: Double
    var point: Vector3
    var normal: Vector3
    var sample: ProceduralTexture.Sample
}

extension SyntheticScene {
    /// The nearest surface along `origin + t·direction`, t > 0, or nil for the sky.
    @inline(__always)
    func intersect(origin o: Vector3, direction d: Vector3, shadowOnly: Bool = false) -> SurfaceHit? {
        var best = Double.infinity
        var hitKind = 0  // 1 ground, 2 facade, 3 block
        var facadeIndex = 0, blockIndex = 0, blockAxis = 0
        if !shadowOnly && d.y > 1e-12 {
            let t = -o.y / d.y
            if t > 1e-9 { best = t; hitKind = 1 }
        }
        // Façade planes: left/right (x = ∓halfWidth), near/far (z = zNear / zFar).
        func facadeHit(_ side: Facade.Side, t: Double) {
            guard t > 1e-6, t < best else { return }
            let p = o + t * d
            let u = side == .left || side == .right ? p.z : p.x
            for index in facadesBySide[side.index] {
                let facade = facades[index]
                guard u >= facade.start && u < facade.end else { continue }
                if -p.y <= facade.height && p.y <= 0 {
                    best = t; hitKind = 2; facadeIndex = index
                }
                return
            }
        }
        if d.x < -1e-12 { facadeHit(.left, t: (-halfWidth - o.x) / d.x) }
        if d.x > 1e-12 { facadeHit(.right, t: (halfWidth - o.x) / d.x) }
        if d.z < -1e-12 { facadeHit(.near, t: (zNear - o.z) / d.z) }
        if d.z > 1e-12 { facadeHit(.far, t: (zFar - o.z) / d.z) }
        let inverse = Vector3(1 / d.x, 1 / d.y, 1 / d.z)
        for index in blocks.indices {
            if let (t, axis) = slab(blocks[index], origin: o, inverse: inverse, limit: best) {
                best = t; hitKind = 3; blockIndex = index; blockAxis = axis
            }
        }
        guard hitKind != 0 else { return nil }
        let p = o + best * d
        if shadowOnly { return SurfaceHit(distance: best, point: p, normal: .zero, sample: .init(albedo: .zero)) }
        switch hitKind {
        case 1:
            return SurfaceHit(distance: best, point: p, normal: Vector3(0, -1, 0), sample: groundSample(p))
        case 2:
            let facade = facades[facadeIndex]
            let normal: Vector3
            let u: Double
            switch facade.side {
            case .left: normal = Vector3(1, 0, 0); u = p.z - facade.start
            case .right: normal = Vector3(-1, 0, 0); u = facade.end - p.z
            case .near: normal = Vector3(0, 0, 1); u = facade.end - p.x
            case .far: normal = Vector3(0, 0, -1); u = p.x - facade.start
            }
            return SurfaceHit(distance: best, point: p, normal: normal, sample: facadeSample(facade, u: u, v: -p.y, point: p))
        default:
            let block = blocks[blockIndex]
            var normal = Vector3.zero
            normal[blockAxis] = d[blockAxis] > 0 ? -1 : 1
            let u = blockAxis == 0 ? p.z - block.minimum.z : p.x - block.minimum.x
            return SurfaceHit(distance: best, point: p, normal: normal, sample: blockSample(block, u: u, v: -p.y, axis: blockAxis, point: p))
        }
    }

    /// Entry distance and entry axis of a ray into a block, when it enters before `limit`.
    @inline(__always)
    private func slab(_ block: Block, origin o: Vector3, inverse: Vector3, limit: Double) -> (Double, Int)? {
        // Infinite inverse components (axis-parallel rays) give ±inf distances, which compare correctly.
        var tx0 = (block.minimum.x - o.x) * inverse.x, tx1 = (block.maximum.x - o.x) * inverse.x
        if tx0 > tx1 { swap(&tx0, &tx1) }
        var ty0 = (block.minimum.y - o.y) * inverse.y, ty1 = (block.maximum.y - o.y) * inverse.y
        if ty0 > ty1 { swap(&ty0, &ty1) }
        var tz0 = (block.minimum.z - o.z) * inverse.z, tz1 = (block.maximum.z - o.z) * inverse.z
        if tz0 > tz1 { swap(&tz0, &tz1) }
        var tNear = tx0, axis = 0
        if ty0 > tNear { tNear = ty0; axis = 1 }
        if tz0 > tNear { tNear = tz0; axis = 2 }
        let tFar = min(tx1, ty1, tz1)
        guard tNear <= tFar, tNear > 1e-6, tNear < limit, !tNear.isNaN else { return nil }
        return (tNear, axis)
    }

    /// Whether a façade or a block blocks the ray (shadow test; the ground casts no shadow).
    func occluded(origin o: Vector3, direction d: Vector3) -> Bool {
        func facadeBlocks(_ side: Facade.Side, t: Double) -> Bool {
            guard t > 1e-6 else { return false }
            let p = o + t * d
            let u = side == .left || side == .right ? p.z : p.x
            for index in facadesBySide[side.index] {
                let facade = facades[index]
                if u >= facade.start && u < facade.end { return -p.y <= facade.height && p.y <= 0 }
            }
            return false
        }
        if d.x < -1e-12 && facadeBlocks(.left, t: (-halfWidth - o.x) / d.x) { return true }
        if d.x > 1e-12 && facadeBlocks(.right, t: (halfWidth - o.x) / d.x) { return true }
        if d.z < -1e-12 && facadeBlocks(.near, t: (zNear - o.z) / d.z) { return true }
        if d.z > 1e-12 && facadeBlocks(.far, t: (zFar - o.z) / d.z) { return true }
        let inverse = Vector3(1 / d.x, 1 / d.y, 1 / d.z)
        for block in blocks where slab(block, origin: o, inverse: inverse, limit: .infinity) != nil { return true }
        return false
    }

    private func markerSample(_ p: Vector3) -> ProceduralTexture.Sample? {
        for marker in markers where norm(p - marker.center) <= marker.radius {
            return ProceduralTexture.Sample(albedo: Color(1, 1, 1), emission: Color(4, 4, 4))
        }
        return nil
    }

    func groundSample(_ p: Vector3) -> ProceduralTexture.Sample {
        if let marker = markerSample(p) { return marker }
        var color = ProceduralTexture.cobbles(u: p.x, v: p.z, seed: 17)
        // A painted kerb line along each side of the street.
        if abs(abs(p.x) - 4.6) < 0.08 { color = Color(0.8, 0.8, 0.75) * (0.8 + 0.2 * Noise.value(p.z * 4, 0, seed: 5)) }
        return ProceduralTexture.Sample(albedo: color)
    }

    func facadeSample(_ facade: Facade, u: Double, v: Double, point: Vector3) -> ProceduralTexture.Sample {
        if let marker = markerSample(point) { return marker }
        let width = facade.end - facade.start
        // Cornice band under the roof line.
        if v > facade.height - 0.35 { return .init(albedo: Color(0.3, 0.28, 0.26) * (0.8 + 0.3 * Noise.value(u * 8, v * 8, seed: facade.seed))) }
        if v < 3.2 {
            // Shop front: posters and a shop window between wall sections.
            let bay = 2.4
            let index = Int((u / bay).rounded(.down))
            let fu = u - Double(index) * bay
            let kind = Hash.unit(facade.seed, index, 3)
            if fu > 0.3 && fu < 2.1 && v > 0.4 && v < 2.6 {
                if kind < 0.45 {
                    return .init(albedo: ProceduralTexture.poster(u: fu - 0.3, v: v - 0.4, width: 1.8, height: 2.2, seed: facade.seed &* 31 &+ index))
                } else if kind < 0.8 {
                    return ProceduralTexture.window(u: fu - 0.3, v: v - 0.4, width: 1.8, height: 2.2, seed: facade.seed &* 17 &+ index)
                }
            }
        } else if u > 0.6 && u < width - 0.6 {
            // Upper floors: a grid of windows.
            let floor = Int(((v - 3.2) / facade.floorHeight).rounded(.down))
            let fv = v - 3.2 - Double(floor) * facade.floorHeight
            let column = Int(((u - 0.6) / facade.windowSpacing).rounded(.down))
            let fu = u - 0.6 - Double(column) * facade.windowSpacing
            let ww = min(1.2, facade.windowSpacing - 0.7), wh = min(1.6, facade.floorHeight - 1.0)
            if fu > 0.35 && fu < 0.35 + ww && fv > 0.6 && fv < 0.6 + wh {
                var sample = ProceduralTexture.window(u: fu - 0.35, v: fv - 0.6, width: ww, height: wh,
                                                      seed: facade.seed &* 1009 &+ floor &* 97 &+ column)
                sample.windowLight *= Hash.unit(facade.seed, floor, column) < 0.4 ? 1 : 0
                return sample
            }
            // Window sills.
            if fu > 0.25 && fu < 0.45 + ww && fv > 0.5 && fv < 0.6 { return .init(albedo: Color(0.8, 0.78, 0.74)) }
        }
        let wall = facade.brick
            ? ProceduralTexture.bricks(u: u, v: v, base: facade.base, seed: facade.seed)
            : ProceduralTexture.plaster(u: u, v: v, base: facade.base, seed: facade.seed)
        return .init(albedo: wall)
    }

    func blockSample(_ block: Block, u: Double, v: Double, axis: Int, point: Vector3) -> ProceduralTexture.Sample {
        if let marker = markerSample(point) { return marker }
        if block.posters && axis != 1 && v > 0.3 && v < (-block.minimum.y) - 0.2 && u > 0.1 {
            let width = axis == 0 ? block.maximum.z - block.minimum.z : block.maximum.x - block.minimum.x
            if u < width - 0.1 {
                return .init(albedo: ProceduralTexture.poster(u: u - 0.1, v: v - 0.3, width: width - 0.2,
                                                              height: (-block.minimum.y) - 0.5, seed: block.seed &* 13 &+ axis))
            }
        }
        return .init(albedo: ProceduralTexture.plaster(u: u, v: v, base: Color(0.55, 0.55, 0.52), seed: block.seed))
    }
}
