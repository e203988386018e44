#!/usr/bin/env python3
"""Writes the Cambridge Landmarks and 7-Scenes test fixtures from a synthetic street of known truth.

A development aid, independent of reloc's importers: it reads a dataset written by
`reloc synth --preset tiny --seed 3 --output DS` (COLMAP images.txt: world-to-camera qvec/tvec;
ground_truth.txt) and writes the day queries and database poses in each benchmark's published
format, with numpy, from the formats' own definitions:

  Cambridge (PoseNet): dataset_{train,test}.txt, 3 header lines, then `IMAGE X Y Z W P Q R` with
    X Y Z the camera centre C = -R^T t and W P Q R the world-to-camera rotation; reconstruction.nvm
    (NVM_V3; `NAME.jpg FOCAL QW QX QY QZ CX CY CZ RADIAL 0`). Database frames are seq1/, queries
    seq2/, with the same frame numbers, so basenames repeat across sequences as in the dataset.
  7-Scenes: TrainSplit.txt / TestSplit.txt (`sequenceN`, CRLF), seq-0N/frame-XXXXXX.pose.txt with
    the 4x4 camera-to-world matrix [R^T | C; 0 0 0 1], tab-separated, %.7e, CRLF, as distributed.

Only text is written; the tests render the images at the same poses (SyntheticRenderer) with the
cameras these files state: Cambridge SIMPLE_RADIAL f=FOCAL, k=-RADIAL at the image centre,
480x360; 7-Scenes SIMPLE_PINHOLE f=525 at the centre, 640x480.

Usage: make_cambridge_7scenes_fixtures.py DS OUT_FIXTURES   (OUT_FIXTURES = Tests/RelocTests/Fixtures)
"""
import os
import sys

import numpy as np

FOCAL = 400.0      # Cambridge fixture focal (pixels of the 480x360 images)
RADIAL = 0.02      # VisualSFM radial coefficient written to the NVM


def qvec2rotmat(q):
    w, x, y, z = q
    return np.array([
        [1 - 2 * y * y - 2 * z * z, 2 * x * y - 2 * w * z, 2 * x * z + 2 * w * y],
        [2 * x * y + 2 * w * z, 1 - 2 * x * x - 2 * z * z, 2 * y * z - 2 * w * x],
        [2 * x * z - 2 * w * y, 2 * y * z + 2 * w * x, 1 - 2 * x * x - 2 * y * y]])


def read_model_images(path):
    poses = {}
    # Two lines per image: the pose, then its (here empty) 2D points.
    lines = [l for l in open(path) if not l.startswith('#')]
    for line in lines[0::2]:
        f = line.split()
        poses[f[9]] = (np.array(list(map(float, f[1:5]))), np.array(list(map(float, f[5:8]))))
    return poses


def read_poses(path):
    poses = {}
    for line in open(path):
        f = line.split()
        if f:
            poses[f[0]] = (np.array(list(map(float, f[1:5]))), np.array(list(map(float, f[5:8]))))
    return poses


def main(ds, out):
    database = read_model_images(os.path.join(ds, '3D-models/reference/images.txt'))
    truth = read_poses(os.path.join(ds, 'ground_truth.txt'))
    day = {k: v for k, v in truth.items() if '/day/' in k}
    db_names, day_names = sorted(database), sorted(day)

    # Cambridge
    scene = os.path.join(out, 'cambridge', 'Street')
    os.makedirs(scene, exist_ok=True)
    header = 'Visual Landmark Dataset V1\nImageFile, Camera Position [X Y Z W P Q R]\n\n'
    names, nvm = [], []
    for split, seq, items, poses in (('train', 'seq1', db_names, database), ('test', 'seq2', day_names, day)):
        with open(os.path.join(scene, f'dataset_{split}.txt'), 'w') as f:
            f.write(header)
            for k, name in enumerate(items):
                q, t = poses[name]
                c = -qvec2rotmat(q).T @ t
                image = f'{seq}/frame{k + 1:05d}.png'
                names.append(f'{name} {image}')
                f.write(f'{image} {c[0]:.6f} {c[1]:.6f} {c[2]:.6f} {q[0]:.6f} {q[1]:.6f} {q[2]:.6f} {q[3]:.6f}\n')
                nvm.append(f'{image[:-3]}jpg {FOCAL:.6f} {q[0]:.10f} {q[1]:.10f} {q[2]:.10f} {q[3]:.10f} '
                           f'{c[0]:.10f} {c[1]:.10f} {c[2]:.10f} {RADIAL:.6f} 0')
    with open(os.path.join(scene, 'reconstruction.nvm'), 'w') as f:
        f.write('NVM_V3\n\n' + f'{len(nvm)}\n' + '\n'.join(nvm) + '\n\n0\n\n0\n')
    with open(os.path.join(scene, 'names.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')

    # 7-Scenes
    scene = os.path.join(out, '7scenes', 'street')
    os.makedirs(scene, exist_ok=True)
    with open(os.path.join(scene, 'TrainSplit.txt'), 'wb') as f:
        f.write(b'sequence1\r\n')
    with open(os.path.join(scene, 'TestSplit.txt'), 'wb') as f:
        f.write(b'sequence2\r\n')
    names = []
    for seq, items, poses in (('seq-01', db_names, database), ('seq-02', day_names, day)):
        os.makedirs(os.path.join(scene, seq), exist_ok=True)
        for k, name in enumerate(items):
            q, t = poses[name]
            r = qvec2rotmat(q)
            m = np.eye(4)
            m[:3, :3], m[:3, 3] = r.T, -r.T @ t
            stem = f'{seq}/frame-{k:06d}'
            names.append(f'{name} {stem}.color.png')
            with open(os.path.join(scene, stem + '.pose.txt'), 'wb') as f:
                f.write(b''.join(('\t'.join(f'{v:.7e}' for v in row) + '\t\r\n').encode() for row in m))
    with open(os.path.join(scene, 'names.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
