#!/usr/bin/env python3
"""Absolute pose: reloc vs PoseLib on the same synthetic problems and settings.

Usage (from the repository root; needs `pip install poselib numpy`):
    make build-bench
    python3 benchmarks/compare_poselib.py [--problems 20] [--repeats 5] [--dir /tmp/reloc-pnp]

RelocBench pnp generates the problems (n = 100, 1000, 5000; outliers 0-90 %; 1 px noise),
solves them (LO-RANSAC P3P + Ceres refinement) and exports them with its per-problem times.
This script solves the same files with poselib.estimate_absolute_pose at the same settings:
12 px threshold, 100..10000 iterations, success probability 0.9999, adaptive trials without
PoseLib's extra factor (dyn_num_trials_mult = 1), Cauchy refinement with scale 1 px. Both run
single-threaded (OPENBLAS_NUM_THREADS=1 for reloc). Success: rotation < 1 deg and camera
centre < 0.1 m from the truth. Prints the time ratio reloc / PoseLib per cell.
With --repeats R (default 5) both solve each problem R times in a row and its time is the
median: warm caches on both sides. --repeats 1 times one cold call each, right after the
problem was generated and the previous one written (reloc) or loaded with numpy (PoseLib).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import poselib


def quat_to_matrix(q):
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def errors(R, t, truth):
    R_gt, t_gt = quat_to_matrix(truth[:4]), np.array(truth[4:])
    cos = (np.trace(R @ R_gt.T) - 1) / 2
    rot = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    pos = np.linalg.norm(-R.T @ t - (-R_gt.T @ t_gt))
    return rot, pos


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=20, help="problems per cell")
    parser.add_argument("--repeats", type=int, default=5, help="solves per problem; its time is their median")
    parser.add_argument("--dir", default="/tmp/reloc-pnp", help="where RelocBench exports the problems")
    parser.add_argument("--bench", default=".build/release/RelocBench")
    args = parser.parse_args()

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    print("RelocBench pnp ...", file=sys.stderr)
    subprocess.run([args.bench, "pnp", "--problems", str(args.problems), "--repeats", str(args.repeats),
                    "--export", args.dir], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    meta = json.load(open(os.path.join(args.dir, "reloc.json")))
    cam = meta["camera"]
    camera = {"model": cam["model"], "width": cam["width"], "height": cam["height"], "params": cam["params"]}
    ransac = {"max_reproj_error": meta["threshold"], "min_iterations": meta["min_iterations"],
              "max_iterations": meta["max_iterations"], "success_prob": meta["success_prob"],
              "dyn_num_trials_mult": 1.0}
    bundle = {"loss_type": "CAUCHY", "loss_scale": 1.0, "max_iterations": 100}

    cells = {}
    for problem in meta["problems"]:
        data = np.loadtxt(os.path.join(args.dir, problem["name"] + ".txt"), ndmin=2)
        p2, p3 = np.ascontiguousarray(data[:, :2]), np.ascontiguousarray(data[:, 2:])
        ransac["seed"] = 0
        times = []
        for _ in range(max(1, args.repeats)):
            start = time.perf_counter()
            pose, info = poselib.estimate_absolute_pose(p2, p3, camera, ransac, bundle)
            times.append(time.perf_counter() - start)
        elapsed = statistics.median(times)
        rot, pos = errors(pose.R, pose.t, problem["truth"])
        key = (problem["n"], problem["outliers"])
        cell = cells.setdefault(key, {"reloc": [], "poselib": [], "reloc_ok": 0, "poselib_ok": 0})
        cell["reloc"].append(problem["seconds"])
        cell["poselib"].append(elapsed)
        cell["reloc_ok"] += problem["success"]
        cell["poselib_ok"] += bool(rot < 1 and pos < 0.1)

    print(f"{'n':>5} {'outl.':>6} {'reloc ms':>9} {'PoseLib ms':>11} {'ratio':>6} {'reloc ok':>9} {'PoseLib ok':>10}")
    ratios = []
    for (n, outliers), c in sorted(cells.items()):
        r, p = statistics.median(c["reloc"]), statistics.median(c["poselib"])
        ratios.append(r / p)
        k = len(c["reloc"])
        print(f"{n:5d} {outliers * 100:5.0f}% {r * 1e3:9.3f} {p * 1e3:11.3f} {r / p:6.2f} "
              f"{100 * c['reloc_ok'] / k:8.0f}% {100 * c['poselib_ok'] / k:9.0f}%")
    print(f"geometric mean of the time ratios (reloc / PoseLib): {statistics.geometric_mean(ratios):.2f}")


if __name__ == "__main__":
    main()
