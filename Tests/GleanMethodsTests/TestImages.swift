import Glean

/// Two classes of 8x8 gray images for method tests: a bright top half (class 0) or a bright
/// bottom half (class 1), with seeded noise.
func topOrBottomImages(count: Int, seed: UInt64) -> ImageDataset {
    var generator = RandomGenerator(seed: seed)
    var pixels: [UInt8] = []
    for index in 0..<count {
        for row in 0..<8 {
            let bright = (row < 4) == (index % 2 == 0)
            for _ in 0..<8 { pixels.append(UInt8((bright ? 150 : 50) + Int(generator.next() % 70))) }
        }
    }
    return ImageDataset(pixels: pixels, labels: (0..<count).map { $0 % 2 }, channels: 1, height: 8, width: 8, classCount: 2)
}
