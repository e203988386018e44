#!/usr/bin/env python3
"""SIFT: reloc vs OpenCV — extraction time and matching precision on the same images.

Usage (repository root; needs `pip install opencv-python-headless h5py numpy`):
    make build-bench
    python3 benchmarks/compare_opencv.py [--datasets ../shared/datasets] [--rounds 5]

Both extract with the same keypoint budget (8192) at the image's own size up to 1536 px, with
first-octave upsampling (OpenCV's default; reloc `--upsample`). Time: each side's median of 3
runs, on one core (reloc pinned with taskset, OpenCV with setNumThreads(1)) and on two, taken in
turn for `--rounds` rounds; the table shows the median over the rounds. Precision, the same
gray input and the same matcher for both (mutual nearest neighbour on L2-normalized
descriptors, numpy):
  graf1-graf3: share of matches within 3 px of the true homography (H1to3p.xml);
  fountain: share of matches within 2 px of the epipolar line from the true poses, pooled over
  every database pair, every day query-database pair and every low-light query-database pair;
  and pooled over all of these with graf.
"""
import argparse
import itertools
import os
import subprocess
import tempfile
import time

import cv2
import h5py
import numpy as np

RELOC = ".build/release/reloc"
BENCH = ".build/release/RelocBench"


def mutual_nn(d1, d2):
    d1 = d1 / np.linalg.norm(d1, axis=1, keepdims=True)
    d2 = d2 / np.linalg.norm(d2, axis=1, keepdims=True)
    sim = d1 @ d2.T
    nn12, nn21 = sim.argmax(1), sim.argmax(0)
    i = np.where(nn21[nn12] == np.arange(len(nn12)))[0]
    return i, nn12[i]


def opencv_features(path, threads):
    cv2.setNumThreads(threads)
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    sift = cv2.SIFT_create(nfeatures=8192)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        keypoints, descriptors = sift.detectAndCompute(image, None)
        times.append(time.perf_counter() - start)
    # OpenCV points have pixel centres at integers; reloc's at +0.5 (COLMAP).
    return np.array([k.pt for k in keypoints]) + 0.5, descriptors, sorted(times)[1]


def reloc_time(path, one_core):
    command = [BENCH, "sift", "--image", path, "--upsample", "yes", "--max-edge", "1536"]
    if one_core:
        command = ["taskset", "-c", "0"] + command
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return float(out.split("median ")[1].split(" ms")[0]) / 1000


def reloc_features(folder, names, store):
    lst = os.path.join(os.path.dirname(store), "list.txt")
    open(lst, "w").write("\n".join(names) + "\n")
    # No keypoint floor (--min-keypoints 0): OpenCV has none; the same settings on both sides.
    subprocess.run([RELOC, "extract", "--images", folder, "--list", lst, "--output", store, "--upsample",
                    "--max-edge", "1536", "--min-keypoints", "0"], check=True, capture_output=True)
    result = {}
    with h5py.File(store, "r") as f:
        for name in names:
            g = f[name]
            result[name] = (g["keypoints"][()] + 0.5, g["descriptors"][()].T.astype(np.float32))
    return result


def homography_precision(p, q, H, threshold=3):
    x = np.c_[p - 0.5, np.ones(len(p))] @ H.T
    x = x[:, :2] / x[:, 2:] + 0.5
    return float(np.mean(np.linalg.norm(x - q, axis=1) <= threshold)) if len(p) else 0.0


def read_model(folder):
    cams, poses = {}, {}
    for line in open(os.path.join(folder, "cameras.txt")):
        if line.startswith("#") or not line.strip():
            continue
        f = line.split()
        fx, fy, cx, cy = map(float, f[4:8])
        cams[f[0]] = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]])
    lines = [l for l in open(os.path.join(folder, "images.txt")) if not l.startswith("#")]
    for line in lines[::2]:
        f = line.split()
        if len(f) < 10:
            continue
        w, x, y, z = map(float, f[1:5])
        poses[f[9]] = (cams[f[8]], rotation(w, x, y, z), np.array(list(map(float, f[5:8]))))
    return poses


def read_query_poses(dataset):
    """Ground-truth poses of the queries, with intrinsics from the query lists (PINHOLE)."""
    intrinsics = {}
    for path in sorted(os.listdir(os.path.join(dataset, "queries"))):
        for line in open(os.path.join(dataset, "queries", path)):
            f = line.split()
            if len(f) >= 8 and f[1] == "PINHOLE":
                fx, fy, cx, cy = map(float, f[4:8])
                intrinsics[f[0]] = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]])
    poses = {}
    for line in open(os.path.join(dataset, "ground_truth.txt")):
        f = line.split()
        if len(f) == 8 and f[0] in intrinsics:
            w, x, y, z = map(float, f[1:5])
            poses[f[0]] = (intrinsics[f[0]], rotation(w, x, y, z), np.array(list(map(float, f[5:8]))))
    return poses


def rotation(w, x, y, z):
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def epipolar_precision(p, q, pose1, pose2, threshold=2):
    (K1, R1, t1), (K2, R2, t2) = pose1, pose2
    R = R2 @ R1.T
    t = t2 - R @ t1
    tx = np.array([[0, -t[2], t[1]], [t[2], 0, -t[0]], [-t[1], t[0], 0]])
    F = np.linalg.inv(K2).T @ tx @ R @ np.linalg.inv(K1)
    x1 = np.c_[p, np.ones(len(p))]
    x2 = np.c_[q, np.ones(len(q))]
    lines = x1 @ F.T
    d = np.abs(np.sum(lines * x2, 1)) / np.linalg.norm(lines[:, :2], axis=1)
    return float(np.mean(d <= threshold)) if len(p) else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="../shared/datasets")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    graf = os.path.join(args.datasets, "graf")
    fountain = os.path.join(args.datasets, "fountain")
    images = [os.path.join(graf, "graf1.png"), os.path.join(fountain, "images/db/0000.jpg")]

    # The machine's speed drifts by ±15 % from minute to minute: the four timings of an image are
    # taken in turn, `--rounds` times, and each is the median over the rounds.
    print(f"{'image':<28} {'reloc 1c':>9} {'OpenCV 1c':>10} {'ratio':>6} {'reloc 2c':>9} {'OpenCV 2c':>10} {'ratio':>6}"
          f"   (median of {args.rounds} interleaved rounds)")
    for path in images:
        rounds = [(reloc_time(path, True), opencv_features(path, 1)[2], reloc_time(path, False), opencv_features(path, 2)[2])
                  for _ in range(args.rounds)]
        r1, o1, r2, o2 = np.median(np.array(rounds), axis=0)
        print(f"{os.path.basename(path):<28} {r1 * 1e3:8.0f}ms {o1 * 1e3:9.0f}ms {r1 / o1:6.2f} {r2 * 1e3:8.0f}ms {o2 * 1e3:9.0f}ms {r2 / o2:6.2f}")
        print("    per round, ratio 1c / 2c: " + ", ".join(f"{a / b:.2f}/{c / d:.2f}" for a, b, c, d in rounds))

    with tempfile.TemporaryDirectory() as tmp:
        text = open(os.path.join(graf, "H1to3p.xml")).read()
        H = np.array(text.split("<data>")[1].split("</data>")[0].split(), dtype=float).reshape(3, 3)
        # graf's PNGs are in colour, and each library turns them gray its own way (OpenCV's
        # IMREAD_GRAYSCALE through libpng's fixed-point rgb_to_gray, reloc through libpng's
        # simplified API): half the pixels differ by one level, which alone moves OpenCV's
        # precision by 0.006. Both sides therefore read the same 8-bit gray files, written here
        # with OpenCV's cvtColor weights. (The fountain JPEGs decode to gray through libjpeg on
        # both sides: identical already.)
        gray = os.path.join(tmp, "gray")
        os.makedirs(gray)
        for name in ["graf1.png", "graf3.png"]:
            cv2.imwrite(os.path.join(gray, name), cv2.cvtColor(cv2.imread(os.path.join(graf, name)), cv2.COLOR_BGR2GRAY))
        rel = reloc_features(gray, ["graf1.png", "graf3.png"], os.path.join(tmp, "graf.h5"))
        (p1, d1), (p3, d3) = rel["graf1.png"], rel["graf3.png"]
        i_reloc, j = mutual_nn(d1, d3)
        reloc_prec = homography_precision(p1[i_reloc], p3[j], H)
        c1, e1, _ = opencv_features(os.path.join(gray, "graf1.png"), 2)
        c3, e3, _ = opencv_features(os.path.join(gray, "graf3.png"), 2)
        i, j = mutual_nn(e1.astype(np.float32), e3.astype(np.float32))
        cv_prec = homography_precision(c1[i], c3[j], H)
        reloc_count, cv_count = len(i_reloc), len(i)
        print(f"\ngraf1-graf3 precision at 3 px (mutual NN): reloc {reloc_prec:.4f} of {reloc_count} ({len(p1)}/{len(p3)} kp), "
              f"OpenCV {cv_prec:.4f} of {cv_count} ({len(c1)}/{len(c3)} kp)")

        # Fountain: every pair of database images, and every query (day and low-light) with every
        # database image; the precision pools the pairs of a group (correct matches / matches).
        poses = read_model(os.path.join(fountain, "3D-models/reference"))
        poses.update(read_query_poses(fountain))
        names = sorted(poses)
        db = [n for n in names if n.startswith("db/")]
        groups = {"db-db": list(itertools.combinations(db, 2)),
                  "day query-db": [(q, d) for q in names if "/day/" in q for d in db],
                  "night query-db": [(q, d) for q in names if "/night/" in q for d in db]}
        rel = reloc_features(os.path.join(fountain, "images"), names, os.path.join(tmp, "fountain.h5"))
        cv = {n: opencv_features(os.path.join(fountain, "images", n), 2)[:2] for n in names}
        totals = {"graf": (np.array([reloc_prec * reloc_count, reloc_count]), np.array([cv_prec * cv_count, cv_count]))}
        print(f"fountain, precision at 2 px epipolar distance (mutual NN), correct / matches pooled over the pairs:")
        for group, pairs in groups.items():
            counts = []
            for features in (rel, cv):
                correct = matches = 0
                for a, b in pairs:
                    i, j = mutual_nn(features[a][1].astype(np.float32), features[b][1].astype(np.float32))
                    correct += epipolar_precision(features[a][0][i], features[b][0][j], poses[a], poses[b]) * len(i)
                    matches += len(i)
                counts.append(np.array([correct, matches]))
            totals[group] = counts
            (rc, rm), (cc, cm) = counts
            print(f"  {group:<15} {len(pairs):3d} pairs: reloc {rc / rm:.4f} ({rc:.0f}/{rm:.0f}), OpenCV {cc / cm:.4f} ({cc:.0f}/{cm:.0f})")
        (rc, rm), (cc, cm) = sum(t[0] for t in totals.values()), sum(t[1] for t in totals.values())
        print(f"  all (graf + fountain): reloc {rc / rm:.4f} ({rc:.0f}/{rm:.0f}), OpenCV {cc / cm:.4f} ({cc:.0f}/{cm:.0f})")


if __name__ == "__main__":
    main()
