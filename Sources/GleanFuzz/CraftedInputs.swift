/// Files built byte by byte for the fuzz seeds and for the tests that check each limit is
/// enforced from a header: they claim sizes no real file of their kind would.
public enum CraftedInputs {
    /// An IDX file of unsigned bytes: magic `0x0000 08 <rank>`, the big-endian dimensions, then
    /// `payload` as is (which need not match the dimensions).
    public static func idx(dims: [UInt32], payload: [UInt8]) -> [UInt8] {
        [0, 0, 8, UInt8(truncatingIfNeeded: dims.count)] + dims.flatMap(bigEndian) + payload
    }

    /// A PNG whose header claims `width` x `height` 8-bit gray pixels, with valid checksums and
    /// one stored (uncompressed) row of image data — far less than the header claims.
    public static func png(width: UInt32, height: UInt32) -> [UInt8] {
        let header = bigEndian(width) + bigEndian(height) + [8, 0, 0, 0, 0]
        let row: [UInt8] = [0, 0]  // filter byte + one pixel
        let stored: [UInt8] = [0x78, 0x01, 0x01, UInt8(row.count), 0, ~UInt8(row.count), 0xFF] + row + bigEndian(adler32(row))
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", header) + chunk("IDAT", stored) + chunk("IEND", [])
    }

    /// `jpeg` (a real baseline or progressive JPEG) with its frame header rewritten to claim
    /// `side` x `side` pixels; nil when it has no SOF0/SOF2 marker.
    public static func jpeg(_ jpeg: [UInt8], claimingSide side: UInt16) -> [UInt8]? {
        guard jpeg.count > 9,
              let frame = (0 ..< jpeg.count - 9).first(where: { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) })
        else { return nil }
        var bytes = jpeg
        let sideBytes = [UInt8(side >> 8), UInt8(side & 0xFF)]
        bytes.replaceSubrange(frame + 5 ..< frame + 9, with: sideBytes + sideBytes)
        return bytes
    }

    /// PNG's chunk checksum: CRC-32 (polynomial 0xEDB88320).
    public static func crc32<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    private static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
}
