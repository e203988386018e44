#!/usr/bin/env python3
"""Writes the small HDF5 fixtures that reloc's tests read, with h5py, as hloc writes them.

Usage: pip install h5py numpy && python3 tools/make_h5py_fixture.py Tests/FormatsTests/Fixtures

features.h5 — hloc's extract_features layout with its defaults (as_half=True):
  "db/a.jpg"         (nested groups db -> a.jpg): keypoints float16 (3, 2) with an
                     `uncertainty` attribute, descriptors float16 (4, 3), scores float16 (3,),
                     image_size int64 [640, 480]
  "query/day/q.jpg"  keypoints float32 (2, 2), descriptors float32 (4, 2), no scores
matches.h5 — hloc's match_features layout: names_to_pair(name0, name1) with '/' in names -> '-':
  "query-day-q.jpg/db-a.jpg": matches0 int16 [2, -1], matching_scores0 float16 [0.5, 0]
  "x.jpg_y.jpg" (hloc's older pair form): matches0 int16 [1, 0], matching_scores0 float16 [1, 0.25]
All values are exact in float16, so the tests compare exactly.
"""
import sys
from pathlib import Path

import h5py
import numpy as np

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
out.mkdir(parents=True, exist_ok=True)

with h5py.File(out / "features.h5", "w", libver="earliest") as f:
    g = f.create_group("db/a.jpg")
    g.create_dataset("keypoints", data=np.array([[10.5, 20.25], [100, 200], [639.5, 0]], dtype=np.float16))
    g["keypoints"].attrs["uncertainty"] = 0.5
    g.create_dataset("descriptors", data=np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 0.5], [0, 0, 0.5]], dtype=np.float16))
    g.create_dataset("scores", data=np.array([0.75, 0.5, 0.25], dtype=np.float16))
    g.create_dataset("image_size", data=np.array([640, 480], dtype=np.int64))
    q = f.create_group("query/day/q.jpg")
    q.create_dataset("keypoints", data=np.array([[1, 2], [3, 4]], dtype=np.float32))
    q.create_dataset("descriptors", data=np.array([[0.6, 0], [0.8, 0], [0, 1], [0, 0]], dtype=np.float32))
    q.create_dataset("image_size", data=np.array([320, 240], dtype=np.int64))

with h5py.File(out / "matches.h5", "w", libver="earliest") as f:
    p = f.create_group("query-day-q.jpg/db-a.jpg")
    p.create_dataset("matches0", data=np.array([2, -1], dtype=np.int16))
    p.create_dataset("matching_scores0", data=np.array([0.5, 0], dtype=np.float16))
    o = f.create_group("x.jpg_y.jpg")
    o.create_dataset("matches0", data=np.array([1, 0], dtype=np.int16))
    o.create_dataset("matching_scores0", data=np.array([1, 0.25], dtype=np.float16))
print("wrote", out / "features.h5", "and", out / "matches.h5")
