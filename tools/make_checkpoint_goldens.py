#!/usr/bin/env python3
"""Goldens for reloc's PyTorch checkpoint reader (TorchCheckpoint), from torch.load itself.

Development aid (needs `pip install torch numpy`); reloc never runs Python. Writes into
Tests/TensorFilesTests/Fixtures/checkpoints/:
- tiny-zip.pth, tiny-legacy.pth: one small state dict in both torch.save formats, with what a
  reader must handle (a nested dict, float16, bfloat16, int64, a non-contiguous view, a shared
  storage, a scalar, non-tensor values), and tiny.json: every tensor's dtype, shape and values
  as torch.load returns them (flattened with dots);
- refused-global.pth: a checkpoint whose pickle calls posix.system (never run: torch.save only
  writes it; the reader must refuse it by name);
- published-weights.json, when WEIGHTS (default weights/) holds the .pth files of
  `reloc weights fetch`: each tensor's dtype, shape and the SHA-256 of its values as little-endian
  float32 (int64 for integer tensors) in row-major order.

    python tools/make_checkpoint_goldens.py [WEIGHTS]
"""
import collections, hashlib, json, os, sys

import numpy as np
import torch

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "TensorFilesTests", "Fixtures", "checkpoints")
os.makedirs(out, exist_ok=True)


def flatten(obj, prefix=""):
    for key, value in obj.items():
        if isinstance(value, torch.Tensor):
            yield prefix + key, value
        elif isinstance(value, dict):
            yield from flatten(value, prefix + key + ".")


def values(t):
    if t.dtype in (torch.int64, torch.int32):
        return t.contiguous().to(torch.int64).numpy()
    return t.contiguous().to(torch.float32).numpy()


# The small state dict, in both formats.
g = torch.Generator().manual_seed(0)
base = torch.randn(3, 4, generator=g)
inner = collections.OrderedDict()
inner["conv.weight"] = torch.randn(2, 3, 3, 3, generator=g)
inner["conv.bias"] = torch.randn(2, generator=g)
inner["bn.num_batches_tracked"] = torch.tensor(7)
inner["half"] = torch.randn(5, generator=g).half()
inner["bf16"] = torch.randn(4, generator=g).to(torch.bfloat16)
inner["transposed"] = base.t()  # strides (1, 4) on base's storage
inner["row"] = base[1]  # offset 4 into the same storage
inner["base"] = base
inner["ints32"] = torch.tensor([1, -2, 3], dtype=torch.int32)
state = {"extractor": inner, "epoch": 12, "note": "not a tensor", "top.scale": torch.tensor([0.5])}
torch.save(state, os.path.join(out, "tiny-zip.pth"))
torch.save(state, os.path.join(out, "tiny-legacy.pth"), _use_new_zipfile_serialization=False)
golden = {}
for name, t in flatten(torch.load(os.path.join(out, "tiny-zip.pth"), weights_only=True)):
    golden[name] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": values(t).reshape(-1).tolist()}
legacy = dict(flatten(torch.load(os.path.join(out, "tiny-legacy.pth"), weights_only=True)))
assert sorted(legacy) == sorted(golden)
for name, t in legacy.items():
    assert values(t).reshape(-1).tolist() == golden[name]["values"], name
with open(os.path.join(out, "tiny.json"), "w") as f:
    json.dump(golden, f, indent=1, sort_keys=True)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


torch.save({"conv.weight": torch.zeros(1), "payload": Evil()}, os.path.join(out, "refused-global.pth"))

weights = sys.argv[1] if len(sys.argv) > 1 else "weights"
if os.path.isdir(weights):
    published = {}
    for file in sorted(os.listdir(weights)):
        if not file.endswith(".pth"):
            continue
        state = torch.load(os.path.join(weights, file), map_location="cpu", weights_only=True)
        published[file] = {
            name: {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                   "sha256": hashlib.sha256(values(t).astype(values(t).dtype.newbyteorder("<")).tobytes()).hexdigest()[:16]}
            for name, t in flatten(state)}
        print(file, len(published[file]), "tensors")
    with open(os.path.join(out, "published-weights.json"), "w") as f:
        json.dump(published, f, indent=0, sort_keys=True)

# Zip archives for the reader's limits: an honest deflated entry of 4 MiB of zeros (about 4 KB),
# and the same archive with its sizes patched to claim 1,000 bytes (a zip bomb's lie).
import struct, zipfile
honest = os.path.join(out, "deflated-4mib.zip")
with zipfile.ZipFile(honest, "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("zeros.bin", bytes(4 << 20))
data = bytearray(open(honest, "rb").read())
central = data.index(b"PK\x01\x02")
struct.pack_into("<I", data, central + 24, 1000)  # uncompressed size in the central directory
struct.pack_into("<I", data, 22, 1000)  # and in the local header
open(os.path.join(out, "lying-size.zip"), "wb").write(bytes(data))
