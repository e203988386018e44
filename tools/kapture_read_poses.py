#!/usr/bin/env python3
"""Dump world-to-camera poses of a kapture folder, using kapture's own code.

Usage: kapture_read_poses.py KAPTURE_DIR OUT_FILE

Reads KAPTURE_DIR with kapture.io.csv.kapture_from_dir, replaces rig poses by
per-camera poses with kapture.rigs_remove (kapture/core/Trajectories.py), and
writes one line per image record that has a pose, sorted by image path:

    IMAGE_PATH qw qx qy qz tx ty tz

The pose is kapture's trajectory pose, i.e. world-to-camera (kapture's
PoseTransform "transforms points from world to device"), quaternion w first,
17 significant digits. Images without a trajectory entry are left out.
Exits non-zero with a message if kapture cannot read the folder.

Development aid only (needs `pip install kapture==1.1.10`).
"""
import logging
import sys


def fmt(v: float) -> str:
    return f'{float(v):.17g}'


def load_kapture(kapture_dir: str):
    import kapture
    import kapture.io.csv
    logging.getLogger().setLevel(logging.CRITICAL)  # silences kapture's tqdm bars
    kdata = kapture.io.csv.kapture_from_dir(kapture_dir)
    if kdata.sensors is None or kdata.records_camera is None:
        raise ValueError('no sensors.txt or records_camera.txt')
    return kdata


def camera_poses(kdata):
    """{image_path: PoseTransform (world-to-camera)} for records with a pose."""
    import kapture
    trajectories = kdata.trajectories
    if trajectories is None:
        return {}
    if kdata.rigs is not None and len(kdata.rigs) > 0:
        trajectories = kapture.rigs_remove(trajectories, kdata.rigs)
    poses = {}
    for timestamp, sensor_id, image_path in kapture.flatten(kdata.records_camera):
        if (timestamp, sensor_id) in trajectories:
            pose = trajectories[timestamp, sensor_id]
            if pose.r is None or pose.t is None:
                continue
            poses[image_path] = pose
    return poses


def pose_lines(poses):
    lines = []
    for image_path in sorted(poses):
        pose = poses[image_path]
        values = pose.r_raw + pose.t_raw
        lines.append(' '.join([image_path] + [fmt(v) for v in values]))
    return lines


def main(argv):
    if len(argv) != 3:
        print(f'usage: {argv[0]} KAPTURE_DIR OUT_FILE', file=sys.stderr)
        return 2
    kapture_dir, out_file = argv[1], argv[2]
    try:
        kdata = load_kapture(kapture_dir)
        poses = camera_poses(kdata)
    except Exception as exc:  # any failure of kapture's reader
        print(f'error: kapture cannot read {kapture_dir!r}: {type(exc).__name__}: {exc}',
              file=sys.stderr)
        return 1
    lines = pose_lines(poses)
    with open(out_file, 'w') as f:
        f.write(''.join(line + '\n' for line in lines))
    print(f'wrote {len(lines)} poses to {out_file}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
