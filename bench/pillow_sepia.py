"""The Pillow side of the worker benchmark: the same work as `imagery-worker sepia IN OUT`.

Decode with Pillow (libjpeg-turbo), Jimp 0.16's sepia in float64 with numpy (each step feeds the
next, capped at 255, truncated on the store into 8 bits), PNG encode with Pillow's defaults
(zlib level 6, adaptive filters). Prints one JSON line: the in-process seconds of each phase, so
the interpreter's start and imports can be told apart from the work.

usage: pillow_sepia.py IN OUT
"""
import json
import sys
import time

start = time.perf_counter()
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

imported = time.perf_counter()


def sepia(rgb: np.ndarray) -> np.ndarray:
    a = rgb.astype(np.float64)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    r1 = r * 0.393 + g * 0.769 + b * 0.189
    g1 = r1 * 0.349 + g * 0.686 + b * 0.168
    b1 = r1 * 0.272 + g1 * 0.534 + b * 0.131
    out = np.empty(rgb.shape, np.uint8)
    for channel, value in enumerate((r1, g1, b1)):
        out[..., channel] = np.minimum(value, 255)  # float -> uint8 truncates, as a Uint8 store does
    return out


def main(src: str, dst: str) -> None:
    t0 = time.perf_counter()
    image = Image.open(src)
    image.load()
    image = image.convert("RGB")
    t1 = time.perf_counter()
    out = sepia(np.asarray(image))
    t2 = time.perf_counter()
    Image.fromarray(out, "RGB").save(dst, "PNG")
    t3 = time.perf_counter()
    print(json.dumps({"import": imported - start, "decode": t1 - t0, "sepia": t2 - t1, "encode": t3 - t2, "work": t3 - t0}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
