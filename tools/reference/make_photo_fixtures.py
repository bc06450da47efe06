#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Encoded images for tests/data/photos and the pixels the reference sees.

VILA's reference opens images with Pillow and .convert("RGB"); the app and
vila-cli decode with GdkPixbuf. This writes photo-like pictures (smooth
gradients, shapes, sensor-like noise) at odd sizes in the encodings people
drop in: PNG as RGB, RGBA, grey and palette, baseline and progressive JPEG
with 4:2:0 and 4:4:4 chroma, and a JPEG whose EXIF says "rotate 90° CW"
(orientation 6). photos.golden.json records each decoded image's size and
the SHA-256 of its RGB bytes as Pillow 10.3.0 gives them; for the EXIF one,
after ImageOps.exif_transpose, since the app shows and sends the picture
upright (the reference would not rotate it; the model should see what the
user sees).

  .venv/bin/python make_photo_fixtures.py OUT   (tests/data/photos)
"""
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageOps


def photo(width, height, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    sky = np.stack([90 + 80 * y / height, 140 + 60 * y / height, 230 - 40 * y / height], axis=-1)
    hills = (y > height * (0.55 + 0.1 * np.sin(x / width * 7 + seed)))[..., None]
    ground = np.stack([60 + 40 * x / width, 120 - 30 * y / height, 40 + 0 * x], axis=-1)
    pixels = np.where(hills, ground, sky) + rng.normal(0, 6, (height, width, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.6, height * 0.1, width * 0.8, height * 0.1 + width * 0.2), fill=(250, 220, 120))
    draw.rectangle((width * 0.15, height * 0.4, width * 0.35, height * 0.8), fill=(150, 60, 50))
    return image


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    files = {}

    base = photo(333, 251, 1)
    base.save(os.path.join(out, "photo-rgb-333x251.png"))
    files["photo-rgb-333x251.png"] = False

    rgba = photo(97, 131, 2).convert("RGBA")
    alpha = np.tile(np.linspace(0, 255, 97).astype(np.uint8), (131, 1))
    rgba.putalpha(Image.fromarray(alpha, "L"))
    rgba.save(os.path.join(out, "photo-rgba-97x131.png"))
    files["photo-rgba-97x131.png"] = False

    photo(50, 77, 3).convert("L").save(os.path.join(out, "photo-grey-50x77.png"))
    files["photo-grey-50x77.png"] = False
    photo(121, 65, 4).quantize(64).save(os.path.join(out, "photo-palette-121x65.png"))
    files["photo-palette-121x65.png"] = False

    photo(257, 199, 5).save(os.path.join(out, "photo-420-257x199.jpg"), quality=88, subsampling=2)
    files["photo-420-257x199.jpg"] = False
    photo(143, 101, 6).save(os.path.join(out, "photo-444-progressive-143x101.jpg"), quality=93,
                            subsampling=0, progressive=True)
    files["photo-444-progressive-143x101.jpg"] = False

    exif = Image.Exif()
    exif[0x0112] = 6
    photo(120, 81, 7).save(os.path.join(out, "photo-exif6-120x81.jpg"), quality=90, exif=exif.tobytes())
    files["photo-exif6-120x81.jpg"] = True

    golden = []
    for name, upright in files.items():
        image = Image.open(os.path.join(out, name))
        if upright:
            image = ImageOps.exif_transpose(image)
        rgb = image.convert("RGB")
        golden.append({"file": name, "width": rgb.width, "height": rgb.height,
                       "sha256": hashlib.sha256(rgb.tobytes()).hexdigest()})
    with open(os.path.join(out, "photos.golden.json"), "w") as f:
        json.dump(golden, f, indent=1)


if __name__ == "__main__":
    main()
