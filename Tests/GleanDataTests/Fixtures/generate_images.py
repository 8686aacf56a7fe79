"""Small PNG/JPEG files and the pixels Pillow decodes from them, for the decoder tests.

Run with Pillow installed:  python3 Tests/GleanNNTests/Fixtures/generate_images.py
Writes images/*.png|jpg and images/decoded.json beside this script; CI never runs it.
"""
import json
import math
import os

from PIL import Image

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images")
os.makedirs(here, exist_ok=True)


def gradient(mode, width, height):
    bands = len(mode)
    data = []
    for y in range(height):
        for x in range(width):
            px = tuple(int(127.5 + 127.5 * math.sin(0.3 * x + 0.7 * y + 1.1 * b)) for b in range(bands))
            data.append(px[0] if bands == 1 else px)
    image = Image.new(mode, (width, height))
    image.putdata(data)
    return image


reference = {}
cases = [("gray.png", "L", "PNG"), ("rgb.png", "RGB", "PNG"), ("rgba.png", "RGBA", "PNG"),
         ("rgb.jpg", "RGB", "JPEG"), ("gray.jpg", "L", "JPEG")]
for name, mode, fmt in cases:
    path = os.path.join(here, name)
    options = {"quality": 90} if fmt == "JPEG" else {}
    gradient(mode, 13, 9).save(path, fmt, **options)
    decoded = Image.open(path)
    decoded.load()
    reference[name] = {"mode": decoded.mode, "width": decoded.width, "height": decoded.height,
                       "pixels": list(decoded.tobytes())}

with open(os.path.join(here, "decoded.json"), "w") as handle:
    json.dump(reference, handle)
print("wrote", here)
