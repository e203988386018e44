#!/usr/bin/env python3
"""Map pairs where database cameras share a centre: the real-capture pattern of a panorama.

On a real city model two database photographs stood 5 cm apart (one turned 15°) and a third
10 m away saw the same façade; the map pairs left out the far camera. This builds that pattern
from the synthetic default dataset, once per query: database image A, A' = A turned 15° towards
B about its vertical axis with its centre 5 cm to the side (rendered exactly from A by the
rotation homography K·R·K⁻¹; the 5 cm parallax is left out, under a pixel beyond 8 m), and B,
the database image 6-15 m from A that its map pairs name, looking within 40° of A. The
reference model holds A, A' and B only; the query's day and night images are localized against
it with `reloc pipeline` (defaults: RootSIFT) by each binary given.

Usage (repository root; needs `pip install numpy pillow`):
    make build && make datasets/synthetic-default
    python3 benchmarks/colocated_map_pairs.py --reloc .build/release/reloc [--baseline OLD_RELOC]

Prints, per query and binary, the map pairs chosen, the points triangulated and whether the day
and night query are within (0.25 m, 2°), then the totals.
"""
import argparse
import os
import shutil
import subprocess
import tempfile

import numpy as np
from PIL import Image

def q2R(q):
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def R2q(R):
    w = np.sqrt(max(0, 1 + R[0, 0] + R[1, 1] + R[2, 2])) / 2
    x = np.copysign(np.sqrt(max(0, 1 + R[0, 0] - R[1, 1] - R[2, 2])) / 2, R[2, 1] - R[1, 2])
    y = np.copysign(np.sqrt(max(0, 1 - R[0, 0] + R[1, 1] - R[2, 2])) / 2, R[0, 2] - R[2, 0])
    z = np.copysign(np.sqrt(max(0, 1 - R[0, 0] - R[1, 1] + R[2, 2])) / 2, R[1, 0] - R[0, 1])
    return np.array([w, x, y, z])


def centre(R, t):
    return -R.T @ t


def axis(R):
    return R[2]


def build(src, out, db_pairs):
    db = {}
    for l in open(f'{src}/3D-models/reference/images.txt'):
        f = l.split()
        if len(f) == 10 and not l.startswith('#'):
            db[f[9]] = (q2R(list(map(float, f[1:5]))), np.array(list(map(float, f[5:8]))))
    gt = {}
    for l in open(f'{src}/ground_truth.txt'):
        f = l.split()
        gt[f[0]] = (q2R(list(map(float, f[1:5]))), np.array(list(map(float, f[5:8]))))
    K = np.array([[819.2, 0, 512], [0, 819.2, 384], [0, 0, 1]])
    pairs = [l.split() for l in open(db_pairs)]
    qlines = {}
    for cond in ['day', 'night']:
        for l in open(f'{src}/queries/{cond}_time_queries_with_intrinsics.txt'):
            qlines[l.split()[0]] = l
    sets = []
    for k in range(20):
        day, night = f'query/day/day_{k:04d}.jpg', f'query/night/night_{k:04d}.jpg'
        Rq, tq = gt[day]
        cq = centre(Rq, tq)
        # A: the nearest database camera looking within 40° of the query.
        candidates = [(np.linalg.norm(centre(*db[n]) - cq), n) for n in db
                      if axis(db[n][0]) @ axis(Rq) > np.cos(np.radians(40))]
        if not candidates:
            continue
        a = min(candidates)[1]
        Ra, ta = db[a]
        ca = centre(Ra, ta)
        # B: among A's map pairs, 6-15 m away and looking within 40° of A, the nearest to 10 m.
        partners = [p[1] if p[0] == a else p[0] for p in pairs if a in p]
        bs = [(abs(np.linalg.norm(centre(*db[n]) - ca) - 10), n) for n in partners
              if 6 <= np.linalg.norm(centre(*db[n]) - ca) <= 15 and axis(db[n][0]) @ axis(Ra) > np.cos(np.radians(40))]
        if not bs:
            continue
        b = min(bs)[1]
        # A': turned 15° towards B's side about A's vertical (camera y) axis, centre 5 cm to the side.
        cb = centre(*db[b])
        angle = np.radians(15) * (np.sign((Ra @ (cb - ca))[0]) or 1)
        a_from_a = np.array([[np.cos(angle), 0, -np.sin(angle)], [0, 1, 0], [np.sin(angle), 0, np.cos(angle)]])
        Rp = a_from_a @ Ra
        tp = -Rp @ (ca + Ra.T @ np.array([0.05, 0, 0]))
        # Pixel of A' -> pixel of A (top-left pixel centre at 0.5, 0.5), bilinear, black outside A.
        a_pixel_from_ap = K @ a_from_a.T @ np.linalg.inv(K)
        img = np.asarray(Image.open(f'{src}/images/{a}').convert('RGB')).astype(np.float32)
        h, w = img.shape[:2]
        ys, xs = np.mgrid[0:h, 0:w]
        P = np.stack([xs + 0.5, ys + 0.5, np.ones((h, w))], -1) @ a_pixel_from_ap.T
        u, v = P[..., 0] / P[..., 2] - 0.5, P[..., 1] / P[..., 2] - 0.5
        inside = (u >= 0) & (u < w - 1) & (v >= 0) & (v < h - 1) & (P[..., 2] > 0)
        u0 = np.clip(np.floor(u).astype(int), 0, w - 2)
        v0 = np.clip(np.floor(v).astype(int), 0, h - 2)
        du, dv = (u - u0)[..., None], (v - v0)[..., None]
        warped = (img[v0, u0] * (1 - du) * (1 - dv) + img[v0, u0 + 1] * du * (1 - dv)
                  + img[v0 + 1, u0] * (1 - du) * dv + img[v0 + 1, u0 + 1] * du * dv) * inside[..., None]
        d = f'{out}/q{k:02d}'
        sets.append(d)
        shutil.rmtree(d, ignore_errors=True)
        for sub in ['images/db', 'images/query/day', 'images/query/night', '3D-models/reference', 'queries']:
            os.makedirs(f'{d}/{sub}', exist_ok=True)
        shutil.copy(f'{src}/images/{a}', f'{d}/images/db/ref0.jpg')
        Image.fromarray(warped.clip(0, 255).astype(np.uint8)).save(f'{d}/images/db/ref1.jpg', quality=92)
        shutil.copy(f'{src}/images/{b}', f'{d}/images/db/ref2.jpg')
        for name in (day, night):
            shutil.copy(f'{src}/images/{name}', f'{d}/images/{name}')
        open(f'{d}/3D-models/reference/cameras.txt', 'w').write('1 PINHOLE 1024 768 819.2 819.2 512 384\n')
        open(f'{d}/3D-models/reference/points3D.txt', 'w').write('')
        with open(f'{d}/3D-models/reference/images.txt', 'w') as f:
            for i, (R, t, n) in enumerate([(Ra, ta, 'db/ref0.jpg'), (Rp, tp, 'db/ref1.jpg'), (*db[b], 'db/ref2.jpg')]):
                f.write(f'{i + 1} ' + ' '.join(map(str, [*R2q(R), *t])) + f' 1 {n}\n\n')
        open(f'{d}/queries/day_time_queries_with_intrinsics.txt', 'w').write(qlines[day])
        open(f'{d}/queries/night_time_queries_with_intrinsics.txt', 'w').write(qlines[night])
        with open(f'{d}/ground_truth.txt', 'w') as f:
            for n in (day, night):
                f.write(n + ' ' + ' '.join(map(str, [*R2q(gt[n][0]), *gt[n][1]])) + '\n')
    return sets


def run(reloc, dataset, out):
    subprocess.run([reloc, 'pipeline', '--dataset', dataset, '--output', out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pairs = [tuple(os.path.basename(n) for n in l.split()) for l in open(next(
        os.path.join(out, f) for f in os.listdir(out) if f.startswith('pairs-db-')))]
    model = next(os.path.join(out, f) for f in os.listdir(out) if f.startswith('sfm_'))
    info = subprocess.run([reloc, 'model', 'info', model], check=True, capture_output=True, text=True).stdout
    points = int(next(l.split()[1] for l in info.splitlines() if l.startswith('points3D:')))
    within = {}
    for l in open(os.path.join(out, 'evaluation.txt')):
        f = l.split()
        if f and f[0] in ('day', 'night'):
            within[f[0]] = f[2]
    return pairs, points, within


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dataset', default='datasets/synthetic-default')
    parser.add_argument('--reloc', default='.build/release/reloc')
    parser.add_argument('--baseline', help='another reloc binary to compare with')
    parser.add_argument('--work', help='folder for the sets and runs (default: a temporary one)')
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix='colocated-')
    db_pairs = os.path.join(work, 'db-pairs.txt')
    subprocess.run([args.reloc, 'pairs', '--retrieval', 'frustum', '--database',
                    f'{args.dataset}/3D-models/reference', '--output', db_pairs, '--top-k', '20'],
                   check=True, stdout=subprocess.DEVNULL)
    sets = build(args.dataset, os.path.join(work, 'sets'), db_pairs)
    binaries = [('reloc', args.reloc)] + ([('baseline', args.baseline)] if args.baseline else [])
    totals = {tag: [0, 0, 0] for tag, _ in binaries}
    print('| set | binary | map pairs | points | day within | night within |')
    print('|---|---|---|---|---|---|')
    for d in sets:
        for tag, binary in binaries:
            pairs, points, within = run(binary, d, os.path.join(work, 'out-' + tag + '-' + os.path.basename(d)))
            names = ', '.join(f'{a[3]}-{b[3]}' for a, b in sorted(tuple(sorted(p)) for p in pairs))
            print(f"| {os.path.basename(d)} | {tag} | {names} | {points} | {within.get('day')} | {within.get('night')} |")
            totals[tag][0] += len(pairs) == 3
            totals[tag][1] += within.get('day') == '100.0%'
            totals[tag][2] += within.get('night') == '100.0%'
    for tag, (all_pairs, day, night) in totals.items():
        print(f'{tag}: all three map pairs in {all_pairs}/{len(sets)} sets; day {day}/{len(sets)}, night {night}/{len(sets)} within (0.25 m, 2°)')


if __name__ == '__main__':
    main()
