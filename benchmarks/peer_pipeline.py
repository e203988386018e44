#!/usr/bin/env python3
"""The reference localization pipeline that `reloc pipeline` is measured against.

OpenCV SIFT + brute-force matching (mutual NN + Lowe ratio) + a map triangulated from the
known database poses (epipolar check, union-find tracks, DLT, reprojection and angle filters)
+ pycolmap's `estimate_and_refine_absolute_pose` (LO-RANSAC P3P + refinement, 12 px), the way a
researcher would script it with hloc-era tools. Retrieval is exhaustive (the sets here have
fewer database images than reloc's top-k, so reloc's retrieval also returns every database
image). Then it runs `reloc pipeline` on the same dataset and prints both tables and the ratio
of wall times.

    pip install opencv-python-headless pycolmap numpy
    python3 benchmarks/peer_pipeline.py ../shared/datasets/fountain [--contrast-threshold 0.01]

Development aid only: nothing here is on reloc's run path.
"""
import argparse, glob, json, os, shutil, subprocess, sys, tempfile, time
import numpy as np
import cv2
import pycolmap


def read_model(folder):
    cams, images = {}, {}
    for line in open(os.path.join(folder, "cameras.txt")):
        if line.startswith("#") or not line.strip():
            continue
        f = line.split()
        cams[f[0]] = (f[1], int(f[2]), int(f[3]), [float(x) for x in f[4:]])
    lines = [l for l in open(os.path.join(folder, "images.txt")) if not l.startswith("#")]
    for line in lines[::2]:
        f = line.split()
        if len(f) >= 10:
            images[f[9]] = (np.array([float(x) for x in f[1:8]]), cams[f[8]])
    return images


def quat_to_R(q):
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def colmap_camera(c):
    model, w, h, params = c
    return pycolmap.Camera(model=model, width=w, height=h, params=params)


def extract(path, sift, max_edge, rootsift):
    gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if gray is None:
        return None
    h, w = gray.shape
    scale = min(1.0, max_edge / max(h, w))
    if scale < 1:
        gray = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    kps, desc = sift.detectAndCompute(gray, None)
    if desc is None:
        return np.zeros((0, 2)), np.zeros((0, 128), np.float32)
    sx, sy = w / gray.shape[1], h / gray.shape[0]
    xy = np.array([[k.pt[0] + 0.5, k.pt[1] + 0.5] for k in kps]) * [sx, sy]  # COLMAP convention
    if rootsift:
        desc = np.sqrt(desc / np.maximum(desc.sum(1, keepdims=True), 1e-12))
    return xy, desc.astype(np.float32)


def match(d0, d1, ratio):
    if len(d0) < 2 or len(d1) < 2:
        return np.zeros((0, 2), int)
    bf = cv2.BFMatcher(cv2.NORM_L2)
    fwd = bf.knnMatch(d0, d1, k=2)
    back = {m[0].queryIdx: m[0].trainIdx for m in bf.knnMatch(d1, d0, k=1)}
    out = [(a.queryIdx, a.trainIdx) for a, b in fwd
           if a.distance < ratio * b.distance and back.get(a.trainIdx) == a.queryIdx]
    return np.array(out, int).reshape(-1, 2)


def undistort(xy, cam):
    return colmap_camera(cam).cam_from_img(xy)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("--contrast-threshold", type=float, default=0.04)
    ap.add_argument("--max-keypoints", type=int, default=8192)
    ap.add_argument("--max-edge", type=int, default=1600)
    ap.add_argument("--ratio", type=float, default=0.8)
    ap.add_argument("--rootsift", action="store_true", help="RootSIFT descriptors (reloc's default)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reloc", default=".build/release/reloc")
    ap.add_argument("--reloc-args", default="", help="extra arguments for reloc pipeline")
    args = ap.parse_args()
    cv2.setNumThreads(args.threads)
    ds = args.dataset
    image_root = os.path.join(ds, "images", "images_upright")
    image_root = image_root if os.path.isdir(image_root) else os.path.join(ds, "images")
    model_dir = sorted(glob.glob(os.path.join(ds, "3D-models", "*")))[0]
    db = read_model(model_dir)
    queries = {}
    for lst in sorted(glob.glob(os.path.join(ds, "queries", "*_queries_with_intrinsics.txt"))):
        cond = os.path.basename(lst).split("_")[0]
        for line in open(lst):
            f = line.split()
            if f:
                queries[f[0]] = ((f[1], int(f[2]), int(f[3]), [float(x) for x in f[4:]]), cond)
    times = {}
    t_all = time.time()

    t = time.time()
    sift = cv2.SIFT_create(nfeatures=args.max_keypoints, contrastThreshold=args.contrast_threshold)
    feats = {n: extract(os.path.join(image_root, n), sift, args.max_edge, args.rootsift) for n in list(db) + list(queries)}
    times["extract"] = time.time() - t

    # The map: every database pair, matches checked against the known epipolar geometry.
    t = time.time()
    names = sorted(db)
    offsets = np.cumsum([0] + [len(feats[n][0]) for n in names])
    parent = np.arange(offsets[-1])
    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    norm = {n: undistort(feats[n][0], db[n][1]) if len(feats[n][0]) else np.zeros((0, 2)) for n in names}
    poses = {n: (quat_to_R(db[n][0][:4]), db[n][0][4:]) for n in names}
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            na, nb = names[a], names[b]
            m = match(feats[na][1], feats[nb][1], args.ratio)
            if not len(m):
                continue
            Ra, ta = poses[na]; Rb, tb = poses[nb]
            R = Rb @ Ra.T; tt = tb - R @ ta
            E = np.array([[0, -tt[2], tt[1]], [tt[2], 0, -tt[0]], [-tt[1], tt[0], 0]]) @ R
            x0 = np.c_[norm[na][m[:, 0]], np.ones(len(m))]; x1 = np.c_[norm[nb][m[:, 1]], np.ones(len(m))]
            e0, e1 = x0 @ E.T, x1 @ E
            s = np.abs((x1 * e0).sum(1)) / np.sqrt(e0[:, 0]**2 + e0[:, 1]**2 + e1[:, 0]**2 + e1[:, 1]**2)
            f = np.sqrt(np.mean(db[na][1][3][:2]) * np.mean(db[nb][1][3][:2]))
            for i, j in m[s * f <= 4]:
                ri, rj = root(offsets[a] + i), root(offsets[b] + j)
                if ri != rj:
                    parent[rj] = ri
    times["map matching"] = time.time() - t
    t = time.time()
    tracks = {}
    for k in range(len(names)):
        for i in range(offsets[k + 1] - offsets[k]):
            r = root(offsets[k] + i)
            tracks.setdefault(r, []).append((k, i))
    point_of = {}
    for obs in tracks.values():
        if len(obs) < 2:
            continue
        A = []
        for k, i in obs:
            R, tt = poses[names[k]]; P = np.c_[R, tt]; x = norm[names[k]][i]
            A += [x[0] * P[2] - P[0], x[1] * P[2] - P[1]]
        X = np.linalg.svd(np.array(A))[2][-1]
        if abs(X[3]) < 1e-12:
            continue
        X = X[:3] / X[3]
        keep, rays = [], []
        for k, i in obs:
            n = names[k]; R, tt = poses[n]; pc = R @ X + tt
            if pc[2] <= 0:
                continue
            proj = colmap_camera(db[n][1]).img_from_cam(pc[None])[0]
            if np.linalg.norm(proj - feats[n][0][i]) <= 4:
                keep.append((k, i)); rays.append((X + R.T @ tt) / np.linalg.norm(X + R.T @ tt))
        if len({k for k, _ in keep}) < 2:
            continue
        angle = max(np.degrees(np.arccos(np.clip(r0 @ r1, -1, 1))) for r0 in rays for r1 in rays)
        if angle < 1.5:
            continue
        for k, i in keep:
            point_of[(k, i)] = X
    times["triangulation"] = time.time() - t

    t = time.time()
    results, log = {}, {}
    opts = pycolmap.AbsolutePoseEstimationOptions()
    opts.ransac.max_error = 12.0
    for q, (cam, cond) in queries.items():
        fq = feats[q]
        p2d, p3d = [], []
        if fq is not None:
            for k, n in enumerate(names):
                for i, j in match(fq[1], feats[n][1], args.ratio):
                    if (k, j) in point_of:
                        p2d.append(fq[0][i]); p3d.append(point_of[(k, j)])
        ret = None
        if len(p2d) >= 3:
            ret = pycolmap.estimate_and_refine_absolute_pose(np.array(p2d), np.array(p3d), colmap_camera(cam), opts)
        if ret is not None:
            r = ret["cam_from_world"]
            qxyzw = r.rotation.quat
            results[q] = (np.r_[qxyzw[3], qxyzw[:3]], np.array(r.translation))
        else:
            results[q] = (db[names[0]][0][:4], db[names[0]][0][4:])
        log[q] = (len(p2d), 0 if ret is None else int(ret["num_inliers"]))
    times["localization"] = time.time() - t
    total = time.time() - t_all

    gt = {}
    for line in open(os.path.join(ds, "ground_truth.txt")):
        f = line.split()
        if f and not f[0].startswith("#"):
            gt[f[0]] = np.array([float(x) for x in f[1:]])
    print(f"peer (OpenCV {cv2.__version__} SIFT ct={args.contrast_threshold} + pycolmap {pycolmap.__version__}) on {ds}")
    print(f"{'query':34s} {'corr':>6s} {'inl':>5s} {'pos err [m]':>12s} {'rot err [deg]':>13s}")
    for q in queries:
        g = gt.get(q)
        if g is None:
            continue
        Rg, Rp = quat_to_R(g[:4]), quat_to_R(results[q][0])
        cg, cp = -Rg.T @ g[4:], -Rp.T @ results[q][1]
        rot = np.degrees(np.arccos(np.clip((np.trace(Rg.T @ Rp) - 1) / 2, -1, 1)))
        print(f"{q:34s} {log[q][0]:6d} {log[q][1]:5d} {np.linalg.norm(cg - cp):12.4f} {rot:13.3f}")
    for k, v in times.items():
        print(f"  {k:14s} {v:7.2f} s")
    print(f"  {'total':14s} {total:7.2f} s")

    out = tempfile.mkdtemp(prefix="reloc-peer-")
    t = time.time()
    cmd = [args.reloc, "pipeline", "--dataset", ds, "--output", out, "--threads", str(args.threads)] + args.reloc_args.split()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reloc_total = time.time() - t
    print(f"\nreloc: {' '.join(cmd[1:])}")
    print(open(os.path.join(out, "evaluation.txt")).read())
    for s in json.load(open(os.path.join(out, "pipeline.json")))["stages"]:
        print(f"  {s['stage']:14s} {s['seconds']:7.2f} s")
    print(f"  {'total':14s} {reloc_total:7.2f} s (process wall time)")
    print(f"\nratio reloc / peer wall time: {reloc_total / total:.2f}")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
