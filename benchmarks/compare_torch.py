#!/usr/bin/env python3
"""PyTorch CPU time of SuperPoint and HNDesc (caps) per image, and the ratio to reloc's.

Runs the networks of tools/make_neural_goldens.py (same architecture and weights formula) with
the same thread count as reloc, then `RelocBench hndesc` at the same size, and prints both.

    pip install torch safetensors numpy
    make build-bench
    python3 benchmarks/compare_torch.py [--size 1024x768] [--threads 2]
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
    args = ap.parse_args()
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


if __name__ == "__main__":
    main()
