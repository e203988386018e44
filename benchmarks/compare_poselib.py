#!/usr/bin/env python3
"""Absolute pose: reloc vs PoseLib on the same synthetic problems and settings.

Usage (from the repository root; needs `pip install poselib==2.0.5 numpy`):
    make build-bench
    python3 benchmarks/compare_poselib.py [--problems 20] [--repeats 5] [--dir /tmp/reloc-pnp]
    python3 benchmarks/compare_poselib.py --generalized [--problems 20] [--repeats 5]
    python3 benchmarks/compare_poselib.py --minimal [--instances 20000]

--generalized: rig pose, `RelocBench gpnp` against poselib.estimate_generalized_absolute_pose on the
same problems (three-camera rig, n = 99 / 999 / 4998 correspondences split over the cameras, 0-90 %
outliers, the same RANSAC and Cauchy settings as below). --minimal: the minimal solvers alone,
`RelocBench minimal` (GP3P, P4Pf) against poselib.gp3p and poselib.p4pf on the same random
instances: % of instances whose true solution is found (1e-6) and time per solve. PoseLib is
called from Python, so its per-call time includes pybind11's argument conversion (printed for
gp3p); docs/benchmarks.md also has PoseLib's C++ time from a C++ harness on the exported instances.

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


def rotation_error_and_centre(R, t, truth):
    return errors(R, t, truth)


def generalized(args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    folder = args.dir + "-generalized"
    print("RelocBench gpnp ...", file=sys.stderr)
    subprocess.run([args.bench, "gpnp", "--problems", str(args.problems), "--repeats", str(args.repeats), "--export", folder],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    meta = json.load(open(os.path.join(folder, "reloc.json")))
    cameras, extrinsics = [], []
    for c in meta["cameras"]:
        cameras.append({"model": c["model"], "width": c["width"], "height": c["height"], "params": c["params"]})
        q, t = c["cam_from_rig"][:4], c["cam_from_rig"][4:]
        pose = poselib.CameraPose()
        pose.q, pose.t = np.array(q, dtype=float), np.array(t, dtype=float)
        extrinsics.append(pose)
    ransac = {"max_reproj_error": meta["threshold"], "min_iterations": meta["min_iterations"],
              "max_iterations": meta["max_iterations"], "success_prob": meta["success_prob"], "dyn_num_trials_mult": 1.0}
    bundle = {"loss_type": "CAUCHY", "loss_scale": 1.0, "max_iterations": 100}
    cells = {}
    for problem in meta["problems"]:
        data = np.loadtxt(os.path.join(folder, problem["name"] + ".txt"), ndmin=2)
        p2 = [np.ascontiguousarray(data[data[:, 0] == k, 1:3]) for k in range(len(cameras))]
        p3 = [np.ascontiguousarray(data[data[:, 0] == k, 3:6]) for k in range(len(cameras))]
        ransac["seed"] = 0
        times = []
        for _ in range(max(1, args.repeats)):
            start = time.perf_counter()
            pose, info = poselib.estimate_generalized_absolute_pose(p2, p3, extrinsics, cameras, ransac, bundle)
            times.append(time.perf_counter() - start)
        rot, pos = errors(pose.R, pose.t, problem["truth"])
        cell = cells.setdefault((problem["n"], problem["outliers"]), {"reloc": [], "poselib": [], "reloc_ok": 0, "poselib_ok": 0})
        cell["reloc"].append(problem["seconds"])
        cell["poselib"].append(statistics.median(times))
        cell["reloc_ok"] += problem["success"]
        cell["poselib_ok"] += bool(rot < 1 and pos < 0.1)
    print_cells(cells)


def minimal(args):
    folder = args.dir + "-minimal"
    print("RelocBench minimal ...", file=sys.stderr)
    subprocess.run([args.bench, "minimal", "--instances", str(args.instances), "--export", folder], check=True, stdout=subprocess.DEVNULL)
    meta = json.load(open(os.path.join(folder, "minimal.json")))
    n = meta["instances"]

    def close(pose, truth):
        R_gt, t_gt = quat_to_matrix(truth[:4]), np.array(truth[4:7])
        return np.abs(pose.R - R_gt).max() < 1e-6 and np.linalg.norm(pose.t - t_gt) < 1e-6 * max(1, np.linalg.norm(t_gt))

    rows = np.loadtxt(os.path.join(folder, "gp3p.txt"), ndmin=2)
    instances = [([r[7 + 3 * i:10 + 3 * i] for i in range(3)], [r[16 + 3 * i:19 + 3 * i] for i in range(3)],
                  [r[25 + 3 * i:28 + 3 * i] for i in range(3)]) for r in rows]
    start = time.perf_counter()
    solutions = [poselib.gp3p(o, d, X) for o, d, X in instances]
    gp3p_ns = (time.perf_counter() - start) / n * 1e9
    # The same argument conversion with the cheapest solver taking the same lists (p3p, ~0.25 us in C++).
    start = time.perf_counter()
    for _, d, X in instances:
        poselib.p3p(d, X)
    gp3p_call = (time.perf_counter() - start) / n * 1e9
    gp3p_found = sum(any(close(p, r[:7]) for p in sols) for sols, r in zip(solutions, rows))

    rows = np.loadtxt(os.path.join(folder, "p4pf.txt"), ndmin=2)
    instances = [(np.ascontiguousarray(r[8:16].reshape(4, 2)), np.ascontiguousarray(r[16:28].reshape(4, 3))) for r in rows]
    start = time.perf_counter()
    solutions = [poselib.p4pf(x, X, True) for x, X in instances]
    p4pf_ns = (time.perf_counter() - start) / n * 1e9
    p4pf_found = sum(any(abs(f - r[7]) < 1e-6 * r[7] and close(p, r[:7]) for p, f in zip(*sols)) for sols, r in zip(solutions, rows))

    print(f"{'solver':7} {'reloc ns':>9} {'PoseLib ns (Python)':>20} {'ratio':>6} {'reloc found':>12} {'PoseLib found':>14}")
    for name, ours, theirs, ours_found, theirs_found in [
            ("gp3p", meta["gp3p_ns"], gp3p_ns, meta["gp3p_found"], gp3p_found),
            ("p4pf", meta["p4pf_ns"], p4pf_ns, meta["p4pf_found"], p4pf_found)]:
        print(f"{name:7} {ours:9.0f} {theirs:20.0f} {ours / theirs:6.2f} {100 * ours_found / n:11.2f}% {100 * theirs_found / n:13.2f}%")
    print(f"(a Python call of poselib.p3p with gp3p's argument lists takes {gp3p_call:.0f} ns: most of gp3p's Python time is the call; "
          "PoseLib's C++ time needs a C++ harness, see docs/benchmarks.md)")


def print_cells(cells):
    print(f"{'n':>5} {'outl.':>6} {'reloc ms':>9} {'PoseLib ms':>11} {'ratio':>6} {'reloc ok':>9} {'PoseLib ok':>10}")
    ratios = []
    for (n, outliers), c in sorted(cells.items()):
        r, p = statistics.median(c["reloc"]), statistics.median(c["poselib"])
        ratios.append(r / p)
        k = len(c["reloc"])
        print(f"{n:5d} {outliers * 100:5.0f}% {r * 1e3:9.3f} {p * 1e3:11.3f} {r / p:6.2f} "
              f"{100 * c['reloc_ok'] / k:8.0f}% {100 * c['poselib_ok'] / k:9.0f}%")
    print(f"geometric mean of the time ratios (reloc / PoseLib): {statistics.geometric_mean(ratios):.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generalized", action="store_true", help="rig pose: estimate_generalized_absolute_pose")
    parser.add_argument("--minimal", action="store_true", help="minimal solvers: gp3p and p4pf")
    parser.add_argument("--instances", type=int, default=20000, help="instances per minimal solver")
    parser.add_argument("--problems", type=int, default=20, help="problems per cell")
    parser.add_argument("--repeats", type=int, default=5, help="solves per problem; its time is their median")
    parser.add_argument("--dir", default="/tmp/reloc-pnp", help="where RelocBench exports the problems")
    parser.add_argument("--bench", default=".build/release/RelocBench")
    args = parser.parse_args()
    if args.generalized:
        return generalized(args)
    if args.minimal:
        return minimal(args)

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

    print_cells(cells)


if __name__ == "__main__":
    main()
