"""Development aid (not run by the tests): checks reloc's COLMAP model I/O against pycolmap.

Usage:  pip install pycolmap && cd "$(mktemp -d)" && python3 /path/to/tools/check_pycolmap_roundtrip.py /path/to/reloc

pycolmap synthesizes a model (5 single-camera rigs, 15 frames, 200 points with tracks), its
cameras are set to the five models reloc supports, and it is written as text and binary.
reloc converts each to text and binary; pycolmap reloads reloc's output and every pose, 2D
point, track, colour, error and camera parameter must be identical, and reloc's binary and
text files must be byte-identical to pycolmap's.
"""
import pycolmap, numpy as np, os, subprocess, sys
reloc = sys.argv[1]
opts = pycolmap.SyntheticDatasetOptions()
opts.num_rigs = 5
opts.num_cameras_per_rig = 1
opts.num_frames_per_rig = 3
opts.num_points3D = 200
rec = pycolmap.synthesize_dataset(opts)
# give the cameras every model reloc supports
models = ["SIMPLE_PINHOLE", "PINHOLE", "SIMPLE_RADIAL", "RADIAL", "OPENCV"]
for k, (cid, cam) in enumerate(sorted(rec.cameras.items())):
    m = models[k % 5]
    f, cx, cy = 1000.0 + k, cam.width / 2, cam.height / 2
    params = {"SIMPLE_PINHOLE": [f, cx, cy], "PINHOLE": [f, f + 3, cx, cy], "SIMPLE_RADIAL": [f, cx, cy, -0.01],
              "RADIAL": [f, cx, cy, -0.01, 0.001], "OPENCV": [f, f + 1, cx, cy, -0.01, 0.001, 1e-4, -1e-4]}[m]
    newcam = pycolmap.Camera(model=m, width=cam.width, height=cam.height, params=params, camera_id=cid)
    rec.cameras[cid] = newcam
print("synthetic:", rec.num_cameras(), "cameras", rec.num_images(), "images", rec.num_points3D(), "points", rec.num_rigs(), "rigs", rec.num_frames(), "frames")
for fmt in ["txt", "bin"]:
    d = f"py_{fmt}"; os.makedirs(d, exist_ok=True)
    (rec.write_text if fmt == "txt" else rec.write_binary)(d)
    print(fmt, sorted(os.listdir(d)))
    # reloc reads pycolmap's model and writes it in both formats
    for ofmt in ["txt", "bin"]:
        out = f"reloc_{fmt}_to_{ofmt}"
        subprocess.run(["rm", "-rf", out]); 
        r = subprocess.run([reloc, "model", "convert", d, out, "--format", ofmt], capture_output=True, text=True)
        print(" reloc convert", fmt, "->", ofmt, r.returncode, r.stdout.strip(), r.stderr.strip())
        back = pycolmap.Reconstruction(out)
        # compare with the original
        assert back.num_images() == rec.num_images() and back.num_points3D() == rec.num_points3D() and back.num_cameras() == rec.num_cameras()
        for iid, im in rec.images.items():
            b = back.images[iid]
            assert b.name == im.name and b.camera_id == im.camera_id
            d1 = np.abs(b.cam_from_world().matrix() - im.cam_from_world().matrix()).max()
            assert d1 == 0.0, d1
            assert len(b.points2D) == len(im.points2D)
            assert all((p.xy == q.xy).all() and p.point3D_id == q.point3D_id for p, q in zip(b.points2D, im.points2D))
        for pid, p in rec.points3D.items():
            q = back.points3D[pid]
            assert (p.xyz == q.xyz).all() and p.error == q.error and (p.color == q.color).all()
            assert sorted((e.image_id, e.point2D_idx) for e in p.track.elements) == sorted((e.image_id, e.point2D_idx) for e in q.track.elements)
        for cid, c in rec.cameras.items():
            assert back.cameras[cid].model == c.model and list(back.cameras[cid].params) == list(c.params)
        print("  pycolmap reloads reloc's", ofmt, "model: identical (poses bit-exact, tracks, cameras, rigs", back.num_rigs(), "frames", back.num_frames(), ")")
        r = subprocess.run([reloc, "model", "info", out], capture_output=True, text=True)
        print("  ", r.stdout.split("\n")[1:8])
# binary files written by reloc from pycolmap's binary are byte-identical to pycolmap's
for f in ["cameras.bin", "images.bin", "points3D.bin", "rigs.bin", "frames.bin"]:
    a = open(f"py_bin/{f}", "rb").read(); b = open(f"reloc_bin_to_bin/{f}", "rb").read()
    print(f, "byte-identical" if a == b else f"DIFFERENT ({len(a)} vs {len(b)})")
for f in ["cameras.txt", "images.txt", "points3D.txt", "rigs.txt", "frames.txt"]:
    a = open(f"py_txt/{f}").read(); b = open(f"reloc_txt_to_txt/{f}").read()
    print(f, "identical" if a == b else "differs")
print("reloc mean reproj vs pycolmap:", rec.compute_mean_reprojection_error())
