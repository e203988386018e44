#!/usr/bin/env python3
"""Generate the kapture reader fixtures in Tests/RelocTests/Fixtures/kapture/.

Development aid only: `pip install --break-system-packages kapture==1.1.10`.
Every .txt inside mapping/ and query/ is written BY kapture
(kapture.io.csv.kapture_to_dir); the expected_*.txt files are computed by
re-reading those folders with kapture.io.csv.kapture_from_dir and removing rigs
with kapture.rigs_remove (see tools/kapture_read_poses.py). Deterministic
(seeded numpy RNG); rerunning rewrites the fixture folder identically.

Layout (as in NAVER's downloads):
  mapping/  5 images db/0001..0005.jpg
            db/0001-0003: posed directly (trajectory device = the camera),
            models SIMPLE_PINHOLE, PINHOLE, SIMPLE_RADIAL;
            db/0004-0005: one timestamp of rig `map_rig` (OPENCV + PINHOLE
            cameras; trajectory device = rig id, rigs.txt = camera-from-rig).
  query/    4 images
            query/day/0001.jpg    direct trajectory, PINHOLE
            query/day/0002.jpg    through rig `query_rig` (RADIAL camera; the
                                  rig's second camera has no image at that time)
            query/night/0001.jpg  direct trajectory, OPENCV
            query/night/0002.jpg  NO trajectory (no ground truth), SIMPLE_RADIAL

Outputs:
  expected_poses.txt    IMAGE_PATH qw qx qy qz tx ty tz   (world-to-camera, 17 sig. digits)
  expected_cameras.txt  IMAGE_PATH MODEL WIDTH HEIGHT PARAMS...  (values as kapture wrote them)
"""
import logging
import os
import shutil
import sys

import numpy as np
from PIL import Image

import kapture
import kapture.io.csv
import kapture.io.records

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kapture_read_poses  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, 'Tests', 'RelocTests', 'Fixtures', 'kapture')
SEED = 20240611

rng = np.random.default_rng(SEED)


def r4(x):
    """Round to 4 decimals so that sensors.txt stays readable."""
    return float(np.round(x, 4))


def random_pose(t_scale=2.0):
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    t = rng.uniform(-t_scale, t_scale, size=3)
    return kapture.PoseTransform(r=q.tolist(), t=t.tolist())


def camera(model, w, h, params, name):
    return kapture.create_sensor('camera', [model, w, h] + [r4(p) for p in params], name=name)


def write_jpeg(kapture_dir, image_path, w, h):
    full = kapture.io.records.get_image_fullpath(kapture_dir, image_path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    pixels = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    Image.fromarray(pixels, 'RGB').save(full, format='JPEG', quality=75)


def build(kapture_dir, cams, rigs_def, direct, rig_shots, unposed):
    """cams: {id: Camera}; rigs_def: {rig_id: [cam ids]};
    direct: [(ts, cam, path)]; rig_shots: [(ts, rig, [(cam, path)])]; unposed: [(ts, cam, path)]"""
    sensors = kapture.Sensors()
    for cam_id, cam in cams.items():
        sensors[cam_id] = cam
    rigs = kapture.Rigs()
    for rig_id, members in rigs_def.items():
        for cam_id in members:
            rigs[rig_id, cam_id] = random_pose(0.5)  # camera-from-rig
    trajectories = kapture.Trajectories()
    records = kapture.RecordsCamera()
    for ts, cam_id, path in direct:
        trajectories[ts, cam_id] = random_pose()  # camera-from-world
        records[ts, cam_id] = path
    for ts, rig_id, shots in rig_shots:
        trajectories[ts, rig_id] = random_pose()  # rig-from-world
        for cam_id, path in shots:
            records[ts, cam_id] = path
    for ts, cam_id, path in unposed:
        records[ts, cam_id] = path
    kdata = kapture.Kapture(sensors=sensors, rigs=rigs if len(rigs) else None,
                            trajectories=trajectories, records_camera=records)
    kapture.io.csv.kapture_to_dir(kapture_dir, kdata)
    for _, cam_id, path in kapture.flatten(records, is_sorted=True):
        w, h = (int(v) for v in cams[cam_id].camera_params[:2])
        write_jpeg(kapture_dir, path, w, h)


def check_rig_convention(kdata, poses):
    """Sanity check (not used for outputs): kapture's rig removal equals
    T_cam_world = T_cam_rig * T_rig_world with plain matrices."""
    def mat(pose):
        import quaternion
        m = np.eye(4)
        m[:3, :3] = quaternion.as_rotation_matrix(pose.r)
        m[:3, 3] = pose.t.ravel()
        return m
    for ts, cam_id, path in kapture.flatten(kdata.records_camera):
        for rig_id, rig in (kdata.rigs or {}).items():
            if cam_id in rig and (ts, rig_id) in kdata.trajectories:
                want = mat(rig[cam_id]) @ mat(kdata.trajectories[ts, rig_id])
                assert np.allclose(mat(poses[path]), want, atol=1e-12), path


def main():
    logging.getLogger().setLevel(logging.CRITICAL)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)

    # ---------------- mapping ----------------
    map_cams = {
        'cam_sp': camera('SIMPLE_PINHOLE', 16, 12, [14.5, 8.0, 6.0], 'mapping simple pinhole'),
        'cam_ph': camera('PINHOLE', 20, 15, [18.25, 17.75, 10.1, 7.4], 'mapping pinhole'),
        'cam_sr': camera('SIMPLE_RADIAL', 16, 12, [13.0, 7.9, 6.2, rng.uniform(-0.05, 0.05)],
                         'mapping simple radial'),
        'rig_cam_l': camera('OPENCV', 16, 12,
                            [15.2, 15.6, 7.8, 6.1] + rng.uniform(-0.02, 0.02, size=4).tolist(),
                            'mapping rig left'),
        'rig_cam_r': camera('PINHOLE', 20, 15, [17.0, 17.5, 9.9, 7.6], 'mapping rig right'),
    }
    build(os.path.join(OUT, 'mapping'), map_cams,
          {'map_rig': ['rig_cam_l', 'rig_cam_r']},
          direct=[(100, 'cam_sp', 'db/0001.jpg'),
                  (200, 'cam_ph', 'db/0002.jpg'),
                  (300, 'cam_sr', 'db/0003.jpg')],
          rig_shots=[(400, 'map_rig', [('rig_cam_l', 'db/0004.jpg'), ('rig_cam_r', 'db/0005.jpg')])],
          unposed=[])

    # ---------------- query ----------------
    query_cams = {
        'q_day': camera('PINHOLE', 20, 15, [19.0, 18.5, 10.2, 7.3], 'query day pinhole'),
        'q_rig_a': camera('RADIAL', 16, 12, [14.0, 8.1, 5.9] + rng.uniform(-0.05, 0.05, size=2).tolist(),
                          'query rig camera a'),
        'q_rig_b': camera('SIMPLE_PINHOLE', 16, 12, [13.5, 8.0, 6.0], 'query rig camera b'),
        'q_night': camera('OPENCV', 20, 15,
                          [16.8, 16.9, 9.7, 7.7] + rng.uniform(-0.03, 0.03, size=4).tolist(),
                          'query night opencv'),
        'q_nogt': camera('SIMPLE_RADIAL', 16, 12, [12.5, 8.2, 5.8, rng.uniform(-0.05, 0.05)],
                         'query night no ground truth'),
    }
    build(os.path.join(OUT, 'query'), query_cams,
          {'query_rig': ['q_rig_a', 'q_rig_b']},
          direct=[(1000, 'q_day', 'query/day/0001.jpg'),
                  (3000, 'q_night', 'query/night/0001.jpg')],
          rig_shots=[(2000, 'query_rig', [('q_rig_a', 'query/day/0002.jpg')])],
          unposed=[(4000, 'q_nogt', 'query/night/0002.jpg')])

    # ---------------- expected values (kapture reader + kapture rig removal) ----------------
    pose_lines, camera_lines = [], []
    for split in ('mapping', 'query'):
        kdata = kapture_read_poses.load_kapture(os.path.join(OUT, split))
        poses = kapture_read_poses.camera_poses(kdata)
        check_rig_convention(kdata, poses)
        pose_lines += kapture_read_poses.pose_lines(poses)
        for _, cam_id, path in kapture.flatten(kdata.records_camera):
            cam = kdata.sensors[cam_id]
            model, *params = cam.sensor_params  # strings exactly as in sensors.txt
            camera_lines.append((path, ' '.join([path, model] + params)))
    with open(os.path.join(OUT, 'expected_poses.txt'), 'w') as f:
        f.write(''.join(line + '\n' for line in sorted(pose_lines)))
    with open(os.path.join(OUT, 'expected_cameras.txt'), 'w') as f:
        f.write(''.join(line + '\n' for _, line in sorted(camera_lines)))
    print(f'wrote {len(pose_lines)} poses, {len(camera_lines)} cameras under {OUT}')


if __name__ == '__main__':
    main()
