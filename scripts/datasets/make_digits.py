"""Builds three small datasets from OpenCV's handwritten digits (Debian's opencv-doc:
examples/data/digits.png, 5,000 grayscale digits of 20x20 pixels, 500 per class), the data
that issue 34's bar checks Glean's defaults on besides Fashion-MNIST:

  digits-gray/   IDX (--dataset idx): 4,000 training and 1,000 test images, 20x20 grayscale.
  digits-rgb/    ImageFolder train/ and test/ (4,000 / 1,000): the same digits at 32x32 RGB,
                 each drawn in a random colour on a random background colour (seeded), so
                 that colour says nothing about the class.
  digits-rgb-own/  the road for your own images: labeled/<class>/ with 3 images per class,
                 pile/ with the other 3,970 training images unlabeled, test/<class>/ with the
                 1,000 test images.

Usage: python make_digits.py DIGITS_PNG OUT_DIR [--seed S]. Every draw is seeded.
"""
import argparse
import os

import numpy as np
from PIL import Image

CLASSES = [str(d) for d in range(10)]


def read_digits(path):
    sheet = np.asarray(Image.open(path).convert("L"))
    if sheet.shape != (1000, 2000):
        raise SystemExit(f"{path}: expected a 2000x1000 sheet of 20x20 digits, got {sheet.shape[1]}x{sheet.shape[0]}")
    # 50 rows of 100 digits; rows 5k..5k+4 hold digit k.
    cells = sheet.reshape(50, 20, 100, 20).transpose(0, 2, 1, 3).reshape(5000, 20, 20)
    labels = np.repeat(np.arange(10), 500)
    return cells, labels


def split(labels, rng, test_per_class=100):
    train, test = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(labels == c))
        test += list(idx[:test_per_class])
        train += list(idx[test_per_class:])
    return rng.permutation(train), rng.permutation(test)


def write_idx(out, name, images, labels):
    os.makedirs(out, exist_ok=True)
    n, h, w = images.shape
    with open(os.path.join(out, f"{name}-images-idx3-ubyte"), "wb") as f:
        f.write(bytes([0, 0, 8, 3]) + n.to_bytes(4, "big") + h.to_bytes(4, "big") + w.to_bytes(4, "big"))
        f.write(images.astype(np.uint8).tobytes())
    with open(os.path.join(out, f"{name}-labels-idx1-ubyte"), "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + n.to_bytes(4, "big"))
        f.write(labels.astype(np.uint8).tobytes())


def colour_pair(rng):
    """A random ink and paper colour at least 0.4 apart in mean brightness."""
    while True:
        ink, paper = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        if abs(ink.mean() - paper.mean()) >= 0.4 * 255:
            return ink, paper


def coloured(digit, rng):
    """A 20x20 grayscale digit as a 32x32 RGB image: resized to 28x28, centred, coloured."""
    resized = np.asarray(Image.fromarray(digit).resize((28, 28), Image.BILINEAR), dtype=np.float32) / 255
    alpha = np.zeros((32, 32), np.float32)
    alpha[2:30, 2:30] = resized
    ink, paper = colour_pair(rng)
    rgb = alpha[..., None] * ink + (1 - alpha[..., None]) * paper
    return Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8), "RGB")


def save(image, folder, name):
    os.makedirs(folder, exist_ok=True)
    image.save(os.path.join(folder, name))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("digits_png")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    digits, labels = read_digits(args.digits_png)
    train, test = split(labels, rng)

    gray = os.path.join(args.out_dir, "digits-gray")
    write_idx(gray, "train", digits[train], labels[train])
    write_idx(gray, "t10k", digits[test], labels[test])
    with open(os.path.join(gray, "classes.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")

    rgb = os.path.join(args.out_dir, "digits-rgb")
    own = os.path.join(args.out_dir, "digits-rgb-own")
    labeled_per_class = {c: 0 for c in range(10)}
    for split_name, indices in (("train", train), ("test", test)):
        for i in indices:
            image, c = coloured(digits[i], rng), int(labels[i])
            name = f"{i:04d}.png"
            save(image, os.path.join(rgb, split_name, CLASSES[c]), name)
            if split_name == "test":
                save(image, os.path.join(own, "test", CLASSES[c]), name)
            elif labeled_per_class[c] < 3:
                labeled_per_class[c] += 1
                save(image, os.path.join(own, "labeled", CLASSES[c]), name)
            else:
                save(image, os.path.join(own, "pile"), name)
    print(f"wrote {gray} (IDX, {len(train)} + {len(test)}), {rgb} (ImageFolder train/ test/), "
          f"{own} (labeled/ 30, pile/ {len(train) - 30}, test/ {len(test)})")


if __name__ == "__main__":
    main()
