#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Images and Pillow's resizes of them, for tests/data/images.

Inputs are made here (gradients, shapes and noise, so every filter tap
matters) at awkward sizes and written as binary PPM, which needs no
decoder. For each, the SHA-256 of Pillow's RGB output records what the
engine's port of the bicubic resampler must reproduce byte for byte:
  resize  Image.resize((w, h)) with BICUBIC, as VILA1.5's "resize" and
          SigLIP's processor do;
  pad     VILA's expand2square with the mean colour, then the resize to the
          square side of a CLIP-336 processor.

  .venv/bin/python make_image_fixtures.py OUT   (Pillow 10.3.0)
"""
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image

INPUTS = {
    "tiny-37x23": (37, 23),
    "odd-321x217": (321, 217),
    "tall-60x500": (60, 500),
    "wide-640x32": (640, 32),
    "one-1x1": (1, 1),
    "near-385x384": (385, 384),
    "small-200x150": (200, 150),
}
TARGETS = [(384, 384), (336, 336), (448, 448), (27, 27), (400, 300), (5, 700)]
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)


def synthetic(width, height, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 255.0 / max(width - 1, 1))
    g = (y * 255.0 / max(height - 1, 1))
    b = 128 + 100 * np.sin(x / 7.0) * np.cos(y / 5.0)
    image = np.stack([r, g, b], axis=-1)
    # Hard edges: a bright disc and a dark bar.
    disc = (x - width / 3) ** 2 + (y - height / 2) ** 2 < (min(width, height) / 4) ** 2
    image[disc] = [250, 250, 240]
    image[:, width // 2: width // 2 + max(1, width // 20)] = [5, 10, 20]
    image += rng.normal(0, 12, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def expand2square(image, background):
    """llava/mm_utils.py expand2square, as VILA-7B's "pad" uses it."""
    width, height = image.size
    if width == height:
        return image
    side = max(width, height)
    result = Image.new(image.mode, (side, side), background)
    result.paste(image, ((side - width) // 2, (side - height) // 2))
    return result


def digest(image):
    return hashlib.sha256(image.tobytes()).hexdigest()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = []
    for index, (name, (width, height)) in enumerate(sorted(INPUTS.items())):
        pixels = synthetic(width, height, index)
        image = Image.fromarray(pixels, "RGB")
        image.save(os.path.join(out, name + ".ppm"))
        for target in TARGETS:
            cases.append({"input": name + ".ppm", "mode": "resize", "width": target[0],
                          "height": target[1], "sha256": digest(image.resize(target, Image.BICUBIC))})
        background = tuple(int(x * 255) for x in CLIP_MEAN)
        square = expand2square(image, background)
        cases.append({"input": name + ".ppm", "mode": "pad", "background": list(background),
                      "width": 336, "height": 336, "sha256": digest(square.resize((336, 336), Image.BICUBIC))})
    with open(os.path.join(out, "resize.golden.json"), "w") as f:
        json.dump({"pillow": Image.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
