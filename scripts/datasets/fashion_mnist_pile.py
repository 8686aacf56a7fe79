"""Writes Fashion-MNIST as files for the own-images road: OUT/pile/train-NNNNN.png (the 60,000
training images, no labels), OUT/truth.csv (file,label: what the person labeling them would
say) and OUT/test/<class>/t10k-NNNNN.png (the 10,000 test images, labeled).

    .venv-data/bin/python scripts/datasets/fashion_mnist_pile.py [FASHION_MNIST_DIR] [OUT]
"""
import gzip
import os
import sys

import numpy as np
from PIL import Image

NAMES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(directory, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(directory, name)):
            return os.path.join(directory, name)
    sys.exit(f"{directory}: no {stem}[.gz]")


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    out = sys.argv[2] if len(sys.argv) > 2 else "data/fashion-mnist-files"
    train, labels = idx(find(source, "train-images-idx3-ubyte")), idx(find(source, "train-labels-idx1-ubyte"))
    test, test_labels = idx(find(source, "t10k-images-idx3-ubyte")), idx(find(source, "t10k-labels-idx1-ubyte"))
    os.makedirs(os.path.join(out, "pile"), exist_ok=True)
    with open(os.path.join(out, "truth.csv"), "w") as truth:
        truth.write("file,label\n")
        for index, (image, label) in enumerate(zip(train, labels)):
            path = os.path.join(out, "pile", f"train-{index:05d}.png")
            Image.fromarray(image).save(path)
            truth.write(f"{path},{NAMES[label]}\n")
    for index, (image, label) in enumerate(zip(test, test_labels)):
        folder = os.path.join(out, "test", NAMES[label])
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(image).save(os.path.join(folder, f"t10k-{index:05d}.png"))
    print(f"{out}: pile/ {len(train)} images, truth.csv, test/ {len(test)} images in {len(NAMES)} classes")


if __name__ == "__main__":
    main()
