#!/usr/bin/env python3
"""Writes the fuzzing seed corpus, Tests/FuzzCorpus/<target>/seed-*: small valid inputs of every
format RelocFuzz's targets read (see Sources/Reloc/Fuzzing/FuzzTarget.swift). A development aid;
run once, the output is committed. Needs numpy, opencv-python-headless and h5py."""
import json, os, struct, sys, tempfile

import cv2
import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "FuzzCorpus")


def put(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


CAMERAS_TXT = """# Camera list
1 SIMPLE_RADIAL 640 480 500 320 240 0.01
2 PINHOLE 800 600 700 710 400 300
3 OPENCV 320 240 300 300 160 120 0.1 -0.05 0.001 0.002
"""
IMAGES_TXT = """# Image list
1 1 0 0 0 0 0 0 1 db/a.jpg
100.5 200.25 1 300 40 -1
2 0.9238795 0 0.3826834 0 -1 0 0.5 2 db/b.jpg
110 210 1 12 13 -1
3 1 0 0 0 0.2 0.1 0 3 query/night/c.jpg

"""
POINTS_TXT = """# 3D point list
1 0.5 0.25 4 255 128 0 0.7 1 0 2 0
"""


def colmap_binary():
    cams = struct.pack("<Q", 2)
    cams += struct.pack("<IiQQ", 1, 2, 640, 480) + struct.pack("<4d", 500, 320, 240, 0.01)  # SIMPLE_RADIAL
    cams += struct.pack("<IiQQ", 2, 1, 800, 600) + struct.pack("<4d", 700, 710, 400, 300)  # PINHOLE
    imgs = struct.pack("<Q", 2)
    imgs += struct.pack("<I4d3dI", 1, 1, 0, 0, 0, 0, 0, 0, 1) + b"db/a.jpg\0"
    imgs += struct.pack("<Q", 2) + struct.pack("<ddq", 100.5, 200.25, 1) + struct.pack("<ddq", 300, 40, -1)
    imgs += struct.pack("<I4d3dI", 2, 0.9238795, 0, 0.3826834, 0, -1, 0, 0.5, 2) + b"db/b.jpg\0"
    imgs += struct.pack("<Q", 1) + struct.pack("<ddq", 110, 210, 1)
    pts = struct.pack("<Q", 1)
    pts += struct.pack("<Q3d3Bd", 1, 0.5, 0.25, 4, 255, 128, 0, 0.7)
    pts += struct.pack("<Q", 2) + struct.pack("<II", 1, 0) + struct.pack("<II", 2, 0)
    parts = [cams, imgs, pts]
    head = b"".join(struct.pack("<I", len(p)) for p in parts[:-1])
    return head + b"".join(parts)


def images():
    rng = np.random.default_rng(0)
    gray = (rng.random((12, 16)) * 255).astype(np.uint8)
    color = (rng.random((10, 9, 3)) * 255).astype(np.uint8)
    for name, image in [("gray", gray), ("color", color)]:
        put("jpeg", name + ".jpg", cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())
        put("jpeg", name + "-progressive.jpg",
            cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes())
        put("png", name + ".png", cv2.imencode(".png", image)[1].tobytes())
        put("pnm", name + (".pgm" if image.ndim == 2 else ".ppm"),
            cv2.imencode(".pgm" if image.ndim == 2 else ".ppm", image)[1].tobytes())
    put("png", "rgba16.png", cv2.imencode(".png", (rng.random((5, 7, 4)) * 65535).astype(np.uint16))[1].tobytes())
    put("pnm", "16bit.ppm", b"P6 2 1 65535\n" + bytes(range(12)))


def hdf5(target, name, write):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "x.h5")
        with h5py.File(path, "w", libver="earliest") as f:
            write(f)
        with open(path, "rb") as f:
            put(target, name, f.read())


def features(f):
    rng = np.random.default_rng(1)
    for name, dtype in [("db/a.jpg", np.float16), ("q.jpg", np.float32)]:
        g = f.create_group(name)
        kp = g.create_dataset("keypoints", data=(rng.random((3, 2)) * 100).astype(dtype))
        kp.attrs["uncertainty"] = 0.5
        g.create_dataset("descriptors", data=rng.random((4, 3)).astype(dtype))
        g.create_dataset("scores", data=rng.random(3).astype(dtype))
        g.create_dataset("image_size", data=np.array([640, 480]))


def matches(f):
    g = f.create_group("db-a.jpg").create_group("q.jpg")
    g.create_dataset("matches0", data=np.array([1, -1, 0], dtype=np.int16))
    g.create_dataset("matching_scores0", data=np.array([0.9, 0, 0.5], dtype=np.float16))


def main():
    put("colmap-text", "model", "\0".join([CAMERAS_TXT, IMAGES_TXT, POINTS_TXT]))
    put("colmap-binary", "model", colmap_binary())
    put("query-list", "queries", "query/day/a.jpg SIMPLE_RADIAL 640 480 500 320 240 0.01\n"
        "query/night/b.jpg OPENCV 320 240 300 300 160 120 0.1 -0.05 0.001 0.002\n"
        "c.jpg PINHOLE 800 600 700 710 400 300\n")
    put("pairs", "pairs", "# comment\nquery/a.jpg db/1.jpg\nquery/a.jpg db/2.jpg\n")
    put("poses", "poses", "a.jpg 1 0 0 0 0.5 -0.25 3\nb.jpg 0.70710678 0 0.70710678 0 1e-3 2 -7.5\n")
    put("correspondences", "points", "100.5 200 0 0 5\n320 240 1 -1 6.5\n10 20 0.5 0.5 4\n")
    put("camera", "opencv", "OPENCV 320 240 300 300 160 120 0.1 -0.05 0.001 0.002")
    put("camera", "radial", "RADIAL 640 480 500 320 240 0.01 -0.002")
    entry = {"query": "a.jpg", "localized": True, "retrieved": 3, "clusters": 1, "matches": 120,
             "correspondences": 80, "inliers": 60, "ransac_iterations": 20, "seconds": 0.01,
             "pose": [1, 0, 0, 0, 0, 0, 0]}
    put("localization-log", "log", json.dumps({"settings": "fuzz"}, separators=(",", ":")) + "\n"
        + json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
    images()
    hdf5("hdf5-features", "features.h5", features)
    hdf5("hdf5-matches", "matches.h5", matches)


if __name__ == "__main__":
    sys.exit(main())
