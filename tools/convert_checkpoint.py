#!/usr/bin/env python3
"""Converts a PyTorch checkpoint (.pth) to .safetensors for reloc's learned features.

    python tools/convert_checkpoint.py superpoint_v1.pth weights/superpoint_v1.safetensors
    python tools/convert_checkpoint.py hndesc_caps_MP_st.pth weights/hndesc_caps_MP_st.safetensors

Accepts a plain state dict or a dict holding one under 'state_dict' (or 'model'). Keeps
PyTorch's key names (reloc finds a wrapper prefix such as 'net.' or 'module.' itself); float
tensors are written as float32, other tensors (e.g. BatchNorm's num_batches_tracked) are left
out. Development aid: needs `pip install torch safetensors`; reloc itself never runs Python.
"""
import sys
import torch
from safetensors.torch import save_file


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, target = sys.argv[1], sys.argv[2]
    checkpoint = torch.load(source, map_location="cpu", weights_only=False)
    for key in ("state_dict", "model"):
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
            break
    if not isinstance(checkpoint, dict):
        sys.exit(f"{source}: not a state dict (found {type(checkpoint).__name__})")
    tensors, skipped = {}, []
    for name, value in checkpoint.items():
        if torch.is_tensor(value) and value.is_floating_point():
            tensors[name] = value.detach().to(torch.float32).contiguous()
        else:
            skipped.append(name)
    if not tensors:
        sys.exit(f"{source}: no float tensors")
    save_file(tensors, target, metadata={"source": source})
    print(f"{target}: {len(tensors)} tensors, {sum(t.numel() for t in tensors.values())} values; left out {len(skipped)} non-float entries")


if __name__ == "__main__":
    main()
