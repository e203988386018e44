#!/usr/bin/env python3
"""Golden outputs of SuperPoint and HNDesc (caps backbone) from PyTorch, for reloc's tests.

Development aid (needs `pip install torch safetensors numpy`; no torchvision: the ResNet-50
layers are declared here with torchvision's key names). The networks get deterministic
pseudo-random weights from a formula (below) that the Swift tests compute too, so only a small
manifest (key, shape, kind) and the inputs/outputs are committed, never the weights:

    u(name, i) = fmix32(fnv1a32(name) ^ (i * 0x9E3779B9 mod 2^32)) / 2^32 * 2 - 1   (float64 -> float32)
    conv weight: u * sqrt(6 / fan_in); conv bias: u * 0.05
    batch norm: weight 1 + 0.2u, bias 0.1u, running_mean 0.1u, running_var 1 + 0.5u

    python3 tools/make_neural_goldens.py Tests/FeaturesTests/Fixtures
"""
import json, math, sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file


def fnv1a32(text):
    h = 0x811C9DC5
    for b in text.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def uniform(name, count):
    i = np.arange(count, dtype=np.uint64)
    h = (np.uint64(fnv1a32(name)) ^ ((i * np.uint64(0x9E3779B9)) & np.uint64(0xFFFFFFFF))) & np.uint64(0xFFFFFFFF)
    m = np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(16); h = (h * np.uint64(0x85EBCA6B)) & m
    h ^= h >> np.uint64(13); h = (h * np.uint64(0xC2B2AE35)) & m
    h ^= h >> np.uint64(16)
    return (h.astype(np.float64) / 4294967296.0 * 2 - 1).astype(np.float32)


def fill(model):
    """Sets every parameter and buffer by the formula; returns the manifest."""
    manifest = []
    kinds = {}
    for module_name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            kinds[module_name + ".weight"] = "conv_weight"
            kinds[module_name + ".bias"] = "conv_bias"
        elif isinstance(module, nn.BatchNorm2d):
            for p in ["weight", "bias", "running_mean", "running_var"]:
                kinds[module_name + "." + p] = "bn_" + p
    state = model.state_dict()
    for name, tensor in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        kind = kinds[name]
        u = uniform(name, tensor.numel())
        if kind == "conv_weight":
            fan_in = tensor.shape[1] * tensor.shape[2] * tensor.shape[3]
            v = u * np.float32(math.sqrt(6.0 / fan_in))
        elif kind == "conv_bias":
            v = u * np.float32(0.05)
        elif kind == "bn_weight":
            v = np.float32(1) + u * np.float32(0.2)
        elif kind in ("bn_bias", "bn_running_mean"):
            v = u * np.float32(0.1)
        else:
            v = np.float32(1) + u * np.float32(0.5)
        state[name].copy_(torch.from_numpy(v.reshape(tensor.shape)))
        manifest.append({"name": name, "shape": list(tensor.shape), "kind": kind})
    model.load_state_dict(state)
    return manifest


class SuperPoint(nn.Module):
    """MagicLeap's SuperPoint layers (key names of superpoint_v1.pth)."""
    def __init__(self):
        super().__init__()
        c = [1, 64, 64, 64, 64, 128, 128, 128, 128]
        names = ["conv1a", "conv1b", "conv2a", "conv2b", "conv3a", "conv3b", "conv4a", "conv4b"]
        for k, n in enumerate(names):
            setattr(self, n, nn.Conv2d(c[k], c[k + 1], 3, 1, 1))
        self.names = names
        self.convPa = nn.Conv2d(128, 256, 3, 1, 1); self.convPb = nn.Conv2d(256, 65, 1)
        self.convDa = nn.Conv2d(128, 256, 3, 1, 1); self.convDb = nn.Conv2d(256, 256, 1)

    def forward(self, x):
        for k, n in enumerate(self.names):
            x = F.relu(getattr(self, n)(x))
            if k % 2 == 1 and k < 7:
                x = F.max_pool2d(x, 2, 2)
        scores = F.softmax(self.convPb(F.relu(self.convPa(x))), 1)[:, :-1]
        b, _, h, w = scores.shape
        scores = scores.permute(0, 2, 3, 1).reshape(b, h, w, 8, 8).permute(0, 1, 3, 2, 4).reshape(b, h * 8, w * 8)
        desc = F.normalize(self.convDb(F.relu(self.convDa(x))), p=2, dim=1)
        return scores, desc


def simple_nms(scores, r):
    def pool(x):
        return F.max_pool2d(x, kernel_size=2 * r + 1, stride=1, padding=r)
    zeros = torch.zeros_like(scores)
    max_mask = scores == pool(scores)
    for _ in range(2):
        supp = pool(max_mask.float()) > 0
        supp_scores = torch.where(supp, zeros, scores)
        new_max = supp_scores == pool(supp_scores)
        max_mask = max_mask | (new_max & (~supp))
    return torch.where(max_mask, scores, zeros)


def superpoint_keypoints(scores, r=3, threshold=0.005, border=4, k=4096):
    s = simple_nms(scores[None], r)[0]
    kp = torch.nonzero(s > threshold)
    sc = s[tuple(kp.t())]
    h, w = s.shape
    keep = (kp[:, 0] >= border) & (kp[:, 0] < h - border) & (kp[:, 1] >= border) & (kp[:, 1] < w - border)
    kp, sc = kp[keep], sc[keep]
    if k < len(kp):
        sc, idx = torch.topk(sc, k)
        kp = kp[idx]
    return torch.flip(kp, [1]).float(), sc


def superpoint_sample(kp, desc, s=8):
    b, c, h, w = desc.shape
    g = kp - s / 2 + 0.5
    g = g / torch.tensor([w * s - s / 2 - 0.5, h * s - s / 2 - 0.5])
    g = g * 2 - 1
    d = F.grid_sample(desc, g.view(1, 1, -1, 2), mode="bilinear", align_corners=True)
    return F.normalize(d.reshape(1, c, -1), p=2, dim=1)[0].t()


class Bottleneck(nn.Module):
    def __init__(self, inplanes, width, stride, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False); self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False); self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False); self.bn3 = nn.BatchNorm2d(width * 4)
        self.downsample = nn.Sequential(nn.Conv2d(inplanes, width * 4, 1, stride, bias=False), nn.BatchNorm2d(width * 4)) if downsample else None

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class ConvBNELU(nn.Module):
    def __init__(self, i, o, k):
        super().__init__()
        self.conv = nn.Conv2d(i, o, k, 1, (k - 1) // 2); self.bn = nn.BatchNorm2d(o)

    def forward(self, x):
        return F.elu(self.bn(self.conv(x)))


class UpConv(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv = ConvBNELU(i, o, 3)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True))


class CapsDesc(nn.Module):
    """HNDesc's caps backbone, key names as in hndesc_caps_MP_st.pth."""
    def __init__(self):
        super().__init__()
        self.firstconv = nn.Conv2d(3, 64, 7, 2, 3, bias=False); self.firstbn = nn.BatchNorm2d(64)
        inplanes = 64
        for index, (blocks, width, stride) in enumerate([(3, 64, 1), (4, 128, 2), (6, 256, 2)]):
            layer = []
            for b in range(blocks):
                layer.append(Bottleneck(inplanes, width, stride if b == 0 else 1, b == 0))
                inplanes = width * 4
            setattr(self, f"layer{index + 1}", nn.Sequential(*layer))
        self.conv_coarse = ConvBNELU(1024, 128, 1)
        self.upconv3 = UpConv(1024, 512); self.iconv3 = ConvBNELU(1024, 512, 3)
        self.upconv2 = UpConv(512, 256); self.iconv2 = ConvBNELU(512, 256, 3)
        self.conv_fine = ConvBNELU(256, 128, 1)

    @staticmethod
    def skip(x1, x2):
        dy, dx = x2.size(2) - x1.size(2), x2.size(3) - x1.size(3)
        x1 = F.pad(x1, (dx // 2, dx - dx // 2, dy // 2, dy - dy // 2))
        return torch.cat([x2, x1], dim=1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.firstbn(self.firstconv(x))), 3, 2, 1)
        x1 = self.layer1(x); x2 = self.layer2(x1); x3 = self.layer3(x2)
        x = self.iconv3(self.skip(x2, self.upconv3(x3)))
        x = self.iconv2(self.skip(x1, self.upconv2(x)))
        return self.conv_fine(x)


def hndesc_sample(dense, coords, h, w):
    c = torch.tensor([(w - 1) / 2.0, (h - 1) / 2.0])
    g = (coords - c) / c
    d = F.grid_sample(dense, g[None, :, None, :])[0, :, :, 0]  # align_corners=False (default)
    return F.normalize(d, dim=0).t()


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    with torch.no_grad():
        sp = SuperPoint().eval(); sp_manifest = fill(sp)
        hn = CapsDesc().eval(); hn_manifest = fill(hn)
        ys, xs = np.mgrid[0:48, 0:64].astype(np.float32)
        gray = (0.5 + 0.3 * np.sin(xs * 0.37 + ys * 0.11) * np.cos(ys * 0.29 - xs * 0.05) + 0.15 * np.sin(xs * ys * 0.013)).astype(np.float32)
        sp_in = torch.from_numpy(gray)[None, None]
        scores, desc = sp(sp_in)
        kp, ksc = superpoint_keypoints(scores[0], k=40)
        sampled = superpoint_sample(kp[None], desc)
        ys, xs = np.mgrid[0:72, 0:88].astype(np.float32)
        rgb = np.stack([np.sin(xs * 0.21 + c) * np.cos(ys * 0.17 - c * 0.5) for c in range(3)]).astype(np.float32)
        hn_in = torch.from_numpy(rgb)[None]
        dense = hn(hn_in)
        coords = torch.tensor([[0.0, 0.0], [87.0, 71.0], [10.3, 20.7], [43.5, 35.5], [80.25, 3.75], [-0.5, 12.0], [60.0, 70.9]])
        hsampled = hndesc_sample(dense, coords, 72, 88)
    save_file({
        "sp_input": sp_in[0, 0].contiguous(), "sp_scores": scores[0].contiguous(), "sp_descriptors": desc[0].contiguous(),
        "sp_keypoints": kp.contiguous(), "sp_keypoint_scores": ksc.contiguous(), "sp_sampled": sampled.contiguous(),
        "hn_input": hn_in[0].contiguous(), "hn_dense": dense[0].contiguous(), "hn_coords": coords.contiguous(),
        "hn_sampled": hsampled.contiguous(),
    }, f"{out}/neural_goldens.safetensors")
    with open(f"{out}/neural_manifest.json", "w") as f:
        json.dump({"torch": torch.__version__, "superpoint": sp_manifest, "hndesc": hn_manifest}, f, indent=0)
    print(f"{len(kp)} SuperPoint keypoints; dense HNDesc map {tuple(dense.shape)}; max |dense| {dense.abs().max():.3g}")


if __name__ == "__main__":
    main()
