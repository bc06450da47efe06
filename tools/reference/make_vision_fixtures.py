#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tiny vision towers and projectors with random weights, and what the
reference computes with them, for tests/data/vision/<variant>/:

  config.json                     a VILA config (the LLM part only sizes the projector)
  vision_tower/, mm_projector/    as the three-part layout saves them
  pixels.bin                      float32 [3][size][size], the input
  features.bin                    hidden_states[select] of transformers'
                                  SiglipVisionModel / CLIPVisionModel, after
                                  the feature selection
  projected*.bin                  the projector's output, computed here from
                                  the VILA source's semantics (section 3 of
                                  vila-format.md): for mlp_downsample both
                                  token orders, column-major (VILA1.5) and raster

Variants: siglip (30/4 = 7x7 grid with a 2-pixel remainder, select -2,
cls_patch, tanh GELU, BF16, mlp_downsample) and clip (class token,
pre-LayerNorm, quick GELU, select -2, patch, F16, mlp2x_gelu).

  .venv-nvila/bin/python make_vision_fixtures.py OUT   (transformers 4.46.3, torch)
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import CLIPVisionConfig, CLIPVisionModel, SiglipVisionConfig, SiglipVisionModel

TOWER = dict(hidden_size=32, intermediate_size=48, num_hidden_layers=3, num_attention_heads=2,
             image_size=30, patch_size=4)
LLM_HIDDEN = 64


def downsample_2x2(x, column_major):
    """DownSampleBlock.flat_square: [n, C] features of a square grid to
    [tokens, 4C], zero rows/columns padded at the bottom/right."""
    n, c = x.shape
    side = int(n ** 0.5)
    x = x.reshape(1, side, side, c)
    if side % 2:
        x = torch.cat([x, torch.zeros(1, 1, side, c)], dim=1)
        x = torch.cat([x, torch.zeros(1, side + 1, 1, c)], dim=2)
        side += 1
    # Group column pairs, swap, group row pairs (the vila1.5 code) ...
    x = x.reshape(1, side, side // 2, 2 * c).permute(0, 2, 1, 3)
    x = x.reshape(1, side // 2, side // 2, 4 * c)
    # ... and NVILA's second permute for raster order.
    if not column_major:
        x = x.permute(0, 2, 1, 3)
    return x.reshape(-1, 4 * c)


def linear(x, w, b):
    return x @ w.T + b


def write(folder, name, tensor):
    tensor.detach().float().contiguous().numpy().astype("<f4").tofile(os.path.join(folder, name))


def make(out, name, tower_cls, tower_config, dtype, feature, projector, seed):
    folder = os.path.join(out, name)
    for sub in ("vision_tower", "mm_projector"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    torch.manual_seed(seed)

    tower = tower_cls(tower_config).to(dtype)
    with torch.no_grad():
        for pname, p in tower.named_parameters():
            if "norm" in pname or pname.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.1)
    tower.save_pretrained(os.path.join(folder, "vision_tower"), safe_serialization=True)
    tower = tower_cls.from_pretrained(os.path.join(folder, "vision_tower"), torch_dtype=torch.float32).eval()

    c = tower_config.hidden_size
    if projector == "mlp_downsample":
        weights = {"layers.1.weight": 1 + 0.1 * torch.randn(4 * c), "layers.1.bias": 0.1 * torch.randn(4 * c),
                   "layers.2.weight": 0.2 * torch.randn(LLM_HIDDEN, 4 * c), "layers.2.bias": 0.1 * torch.randn(LLM_HIDDEN),
                   "layers.4.weight": 0.2 * torch.randn(LLM_HIDDEN, LLM_HIDDEN), "layers.4.bias": 0.1 * torch.randn(LLM_HIDDEN)}
    else:
        weights = {"layers.0.weight": 0.2 * torch.randn(LLM_HIDDEN, c), "layers.0.bias": 0.1 * torch.randn(LLM_HIDDEN),
                   "layers.2.weight": 0.2 * torch.randn(LLM_HIDDEN, LLM_HIDDEN), "layers.2.bias": 0.1 * torch.randn(LLM_HIDDEN)}
    save_file({k: v.float().contiguous() for k, v in weights.items()},
              os.path.join(folder, "mm_projector", "model.safetensors"), metadata={"format": "pt"})

    config = {"model_type": "llava_llama", "mm_hidden_size": c, "mm_vision_select_layer": -2,
              "mm_vision_select_feature": feature, "image_aspect_ratio": "resize",
              "llm_cfg": {"model_type": "llama", "hidden_size": LLM_HIDDEN, "intermediate_size": 96,
                          "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                          "vocab_size": 512},
              "vision_tower_cfg": tower_config.to_dict(),
              "mm_projector_cfg": {"mm_projector_type": projector}}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=1)

    pixels = torch.rand(1, 3, tower_config.image_size, tower_config.image_size) * 2 - 1
    with torch.no_grad():
        hidden = tower(pixels, output_hidden_states=True).hidden_states[-2][0]
        features = hidden[1:] if feature == "patch" else hidden
        write(folder, "pixels.bin", pixels[0])
        write(folder, "features.bin", features)
        if projector == "mlp_downsample":
            for order, column_major in (("column", True), ("raster", False)):
                x = downsample_2x2(features, column_major)
                x = F.layer_norm(x, (4 * c,), weights["layers.1.weight"], weights["layers.1.bias"], 1e-5)
                x = linear(F.gelu(linear(x, weights["layers.2.weight"], weights["layers.2.bias"])),
                           weights["layers.4.weight"], weights["layers.4.bias"])
                write(folder, f"projected-{order}.bin", x)
        else:
            x = linear(F.gelu(linear(features, weights["layers.0.weight"], weights["layers.0.bias"])),
                       weights["layers.2.weight"], weights["layers.2.bias"])
            write(folder, "projected.bin", x)
    with open(os.path.join(folder, "golden.json"), "w") as f:
        json.dump({"features": list(features.shape), "transformers": __import__("transformers").__version__,
                   "torch": torch.__version__}, f, indent=1)


def main():
    out = sys.argv[1]
    make(out, "siglip", SiglipVisionModel,
         SiglipVisionConfig(**TOWER, layer_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh"),
         torch.bfloat16, "cls_patch", "mlp_downsample", 11)
    make(out, "clip", CLIPVisionModel,
         CLIPVisionConfig(**TOWER, layer_norm_eps=1e-5, hidden_act="quick_gelu", projection_dim=32),
         torch.float16, "patch", "mlp2x_gelu", 12)


if __name__ == "__main__":
    main()
