#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pixel tensors of transformers' image processors for tests/data/images:
for each PPM that make_image_fixtures.py wrote, the float32 tensor VILA's
preprocessing gives, as SHA-256 of its bytes plus a few values to debug by.

  siglip-384  VILA1.5 "resize": PIL resize to 384x384, then
              SiglipImageProcessor (mean = std = 0.5)
  clip-336    VILA-7B "pad": expand2square with the mean colour, then
              CLIPImageProcessor (shortest edge 336, centre crop 336)

  .venv-nvila/bin/python make_pixel_fixtures.py DIR   (transformers 4.46.3)
"""
import glob
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image
from transformers import CLIPImageProcessor, SiglipImageProcessor

from make_image_fixtures import CLIP_MEAN, expand2square

CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def record(name, mode, tensor):
    tensor = np.ascontiguousarray(tensor, dtype=np.float32)
    flat = tensor.reshape(-1)
    return {"input": name, "mode": mode, "shape": list(tensor.shape),
            "sha256": hashlib.sha256(tensor.tobytes()).hexdigest(),
            "samples": [[int(i), float(flat[i])] for i in np.linspace(0, flat.size - 1, 9).astype(int)]}


def main():
    folder = sys.argv[1]
    siglip = SiglipImageProcessor(size={"height": 384, "width": 384}, image_mean=[0.5] * 3,
                                  image_std=[0.5] * 3, resample=3, rescale_factor=1 / 255)
    clip = CLIPImageProcessor(size={"shortest_edge": 336}, crop_size={"height": 336, "width": 336},
                              image_mean=list(CLIP_MEAN), image_std=list(CLIP_STD), resample=3,
                              do_center_crop=True, do_convert_rgb=True)
    cases = []
    for path in sorted(glob.glob(os.path.join(folder, "*.ppm"))):
        name = os.path.basename(path)
        image = Image.open(path).convert("RGB")
        # llava/mm_utils.py process_image, "resize": PIL's default filter.
        resized = image.resize((384, 384), Image.BICUBIC)
        cases.append(record(name, "siglip-384", siglip(resized, return_tensors="np", input_data_format="channels_last").pixel_values[0]))
        square = expand2square(image, tuple(int(x * 255) for x in CLIP_MEAN))
        cases.append(record(name, "clip-336", clip(square, return_tensors="np", input_data_format="channels_last").pixel_values[0]))
    with open(os.path.join(folder, "pixels.golden.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
