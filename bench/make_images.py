"""Writes the benchmark's JPEGs, deterministically (fixed seed, pinned Pillow and numpy).

Three kinds of content, because PNG encoding time and size depend on it far more than on the size:

- smooth (NAME or smooth:NAME): the photo-like scene below, which compresses well;
- noisy (noisy:NAME): smooth colour fields with Gaussian sensor noise of sigma 18 per channel, as
  a high-ISO photo; filtered residuals are nearly incompressible by LZ77;
- texture (texture:NAME): high-detail texture (fine multi-octave structure, like foliage or gravel,
  with thin hard edges), little noise.

All are encoded as baseline JPEG at quality 90 with 4:2:0 subsampling (what cameras and phones write).

The smooth scene is a smooth sky-like gradient, large soft blobs of colour, a mid-frequency texture,
hard-edged shapes softened by a small blur (as a lens does) and per-pixel sensor noise, then
encoded as a baseline JPEG at quality 90 with 4:2:0 subsampling (what cameras and phones write).
The scene is defined in relative coordinates, so every size shows the same picture.

usage: make_images.py OUTDIR [KIND:]NAME=WIDTHxHEIGHT ...   (an existing file is kept)
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SEED = 20240416


def smooth_field(rng: np.random.Generator, cells: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
    """Random values on a coarse grid, bicubically upsampled to `size`: a smooth field in [0, 1]."""
    coarse = rng.random((cells[1], cells[0]), dtype=np.float32)
    image = Image.fromarray(coarse, mode="F").resize(size, Image.BICUBIC)
    return np.asarray(image, dtype=np.float32)


def scene(width: int, height: int) -> Image.Image:
    rng = np.random.default_rng(SEED)
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    # Sky-to-ground gradient, slightly tilted.
    t = np.clip(y * 0.9 + x * 0.1, 0, 1)
    top, bottom = np.array([95, 150, 215], np.float32), np.array([120, 105, 70], np.float32)
    rgb = top[None, None, :] * (1 - t[..., None]) + bottom[None, None, :] * t[..., None]
    # Large soft blobs and a finer texture, per channel.
    for channel in range(3):
        rgb[..., channel] += (smooth_field(rng, (6, 5), (width, height)) - 0.5) * 70
        rgb[..., channel] += (smooth_field(rng, (160, 120), (width, height)) - 0.5) * 18
    # Fine detail (foliage, gravel) towards the bottom, shared by the channels like real texture.
    detail = (smooth_field(rng, (900, 675), (width, height)) - 0.5) * 40 * np.clip(y * 1.4 - 0.2, 0, 1)
    rgb += detail[..., None]
    base = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")

    # Hard-edged objects (buildings, poles, a sun), drawn on a mask and softened by a small blur.
    shapes = Image.new("RGB", (width, height))
    mask = Image.new("L", (width, height), 0)
    draw_rgb, draw_mask = ImageDraw.Draw(shapes), ImageDraw.Draw(mask)
    for _ in range(40):
        colour = tuple(int(v) for v in rng.integers(20, 236, 3))
        cx, cy = rng.random() * width, (0.35 + 0.65 * rng.random()) * height
        w, h = (0.02 + 0.12 * rng.random()) * width, (0.05 + 0.4 * rng.random()) * height
        box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]
        kind = rng.integers(0, 3)
        if kind == 0:
            draw_rgb.rectangle(box, fill=colour)
            draw_mask.rectangle(box, fill=255)
        elif kind == 1:
            draw_rgb.ellipse(box, fill=colour)
            draw_mask.ellipse(box, fill=255)
        else:
            points = [(cx + (rng.random() - 0.5) * w * 2, cy + (rng.random() - 0.5) * h) for _ in range(5)]
            draw_rgb.polygon(points, fill=colour)
            draw_mask.polygon(points, fill=255)
    radius = max(0.6, width / 3000)
    mask = mask.filter(ImageFilter.GaussianBlur(radius))
    composed = np.asarray(Image.composite(shapes, base, mask), dtype=np.float32)

    # Sensor noise: luminance (sigma 3) plus a little chroma noise (sigma 1.5 per channel).
    noise = rng.standard_normal((height, width, 1), dtype=np.float32) * 3.0
    noise = noise + rng.standard_normal((height, width, 3), dtype=np.float32) * 1.5
    return Image.fromarray(np.clip(composed + noise + 0.5, 0, 255).astype(np.uint8), "RGB")


def noisy(width: int, height: int) -> Image.Image:
    """Smooth colour fields plus per-channel Gaussian noise of sigma 18."""
    rng = np.random.default_rng(SEED + 1)
    rgb = np.empty((height, width, 3), np.float32)
    for channel in range(3):
        rgb[..., channel] = 50 + smooth_field(rng, (5, 4), (width, height)) * 150
        rgb[..., channel] += (smooth_field(rng, (40, 30), (width, height)) - 0.5) * 40
    rgb += rng.standard_normal((height, width, 3), dtype=np.float32) * 18.0
    return Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8), "RGB")


def texture(width: int, height: int) -> Image.Image:
    """High-detail texture: octaves of value noise down to 2-pixel features, thin dark lines, mild noise."""
    rng = np.random.default_rng(SEED + 2)
    rgb = np.zeros((height, width, 3), np.float32)
    base = np.array([110, 120, 90], np.float32)
    rgb += base[None, None, :]
    for cell, amplitude in ((64, 50), (16, 45), (6, 40), (3, 35), (2, 25)):
        cells = (max(2, width // cell), max(2, height // cell))
        shared = (smooth_field(rng, cells, (width, height)) - 0.5) * amplitude
        rgb += shared[..., None]
        rgb[..., rng.integers(0, 3)] += (smooth_field(rng, cells, (width, height)) - 0.5) * amplitude * 0.5
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x0, y0 = rng.random() * width, rng.random() * height
        x1, y1 = x0 + (rng.random() - 0.5) * width * 0.3, y0 + (rng.random() - 0.5) * height * 0.3
        shade = int(rng.integers(10, 80))
        draw.line([(x0, y0), (x1, y1)], fill=(shade, shade, shade), width=int(rng.integers(1, 4)))
    noise = rng.standard_normal((height, width, 3), dtype=np.float32) * 4.0
    return Image.fromarray(np.clip(np.asarray(image, np.float32) + noise + 0.5, 0, 255).astype(np.uint8), "RGB")


KINDS = {"smooth": scene, "noisy": noisy, "texture": texture}


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = Path(argv[0])
    outdir.mkdir(parents=True, exist_ok=True)
    for spec in argv[1:]:
        name, dims = spec.split("=")
        kind, _, name = name.rpartition(":")
        make = KINDS[kind or "smooth"]
        width, height = (int(v) for v in dims.split("x"))
        path = outdir / f"{name}.jpg"
        if path.exists():
            continue
        make(width, height).save(path, "JPEG", quality=90, subsampling="4:2:0", optimize=False, progressive=False)
        print(f"wrote {path}: {width}x{height}, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
