#!/usr/bin/env python3
"""Known against unknown focal length on one dataset: recall within (0.25 m, 2°) per condition,
over every query and over the queries whose estimated focal is well determined
(focal_sigma / focal at most --sigma, 2 % by default).

    reloc pipeline --dataset DS --output KNOWN --no-report
    reloc pipeline --dataset DS --output FOCAL --no-report --estimate-focal
    python3 benchmarks/focal_recall.py DS KNOWN FOCAL

A development aid (numpy only); reloc's own evaluation is `reloc evaluate`.
"""
import argparse
import json
import math
import os

import numpy as np


def rotation(q):
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def poses(path):
    """basename -> (R, t), camera from world."""
    out = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            q = np.array([float(v) for v in fields[1:5]])
            out[os.path.basename(fields[0])] = (rotation(q / np.linalg.norm(q)), np.array([float(v) for v in fields[5:8]]))
    return out


def within(truth, estimate, meters=0.25, degrees=2.0):
    if estimate is None:
        return False
    (r0, t0), (r1, t1) = truth, estimate
    position = np.linalg.norm(-r0.T @ t0 + r1.T @ t1)
    angle = math.degrees(math.acos(max(-1.0, min(1.0, (np.trace(r0.T @ r1) - 1) / 2))))
    return position <= meters and angle <= degrees


def relative_sigmas(run):
    """basename -> focal_sigma / focal from the run's localization log."""
    out = {}
    with open(os.path.join(run, "results.txt_logs.jsonl")) as f:
        for line in f:
            entry = json.loads(line)
            if "query" in entry and "focal_sigma" in entry and entry.get("focal"):
                out[os.path.basename(entry["query"])] = entry["focal_sigma"] / entry["focal"]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset")
    parser.add_argument("known")
    parser.add_argument("focal")
    parser.add_argument("--sigma", type=float, default=0.02)
    args = parser.parse_args()
    truth = poses(os.path.join(args.dataset, "ground_truth.txt"))
    known = poses(os.path.join(args.known, "results.txt"))
    focal = poses(os.path.join(args.focal, "results.txt"))
    sigmas = relative_sigmas(args.focal)
    print(f"{'condition':10} {'subset':>22} {'queries':>7} {'known':>7} {'unknown':>7}")
    for condition in ("day", "night"):
        names = sorted(n for n in truth if n.startswith(condition))
        steady = [n for n in names if sigmas.get(n, math.inf) <= args.sigma]
        for label, subset in (("all", names), (f"focal_sigma <= {args.sigma:.0%}", steady)):
            k = sum(within(truth[n], known.get(n)) for n in subset)
            u = sum(within(truth[n], focal.get(n)) for n in subset)
            print(f"{condition:10} {label:>22} {len(subset):7d} {k:7d} {u:7d}")
        loose = [f"{n} ({sigmas[n]:.1%})" if n in sigmas else f"{n} (no estimate)" for n in names if n not in steady]
        print(f"{'':10} above the limit: {', '.join(loose) if loose else 'none'}")


if __name__ == "__main__":
    main()
