/// EXIF orientation (tag 0x0112) and the pixel remapping Jimp 0.16 applies for it on read.
public enum ExifOrientation: Int, Sendable, Equatable, CaseIterable {
    case up = 1
    case upMirrored = 2
    case down = 3
    case downMirrored = 4
    case leftMirrored = 5
    case right = 6
    case rightMirrored = 7
    case left = 8

    /// True when width and height trade places.
    public var swapsDimensions: Bool { rawValue > 4 }

    /// Where the pixel shown at (x, y) of the oriented image is stored in the decoded image of
    /// size width × height — Jimp's `getExifOrientationTransformation` table.
    @inlinable
    public func sourceCoordinate(x: Int, y: Int, width w: Int, height h: Int) -> (x: Int, y: Int) {
        switch self {
        case .up: return (x, y)
        case .upMirrored: return (w - x - 1, y)
        case .down: return (w - x - 1, h - y - 1)
        case .downMirrored: return (x, h - y - 1)
        case .leftMirrored: return (y, x)
        case .right: return (y, h - x - 1)
        case .rightMirrored: return (w - y - 1, h - x - 1)
        case .left: return (w - y - 1, x)
        }
    }

    /// Reads IFD0's Orientation from a TIFF block (the APP1 payload after "Exif\0\0").
    ///
    /// Returns nil when the block is malformed or has no valid tag: like Jimp, an unreadable
    /// EXIF block means "no rotation", not a failed upload.
    public static func parse<Bytes: RandomAccessCollection>(tiff: Bytes) -> ExifOrientation?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        let base = tiff.startIndex
        let count = tiff.count
        guard count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[base], tiff[base + 1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func u16(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= count else { return nil }
            let a = Int(tiff[base + offset])
            let b = Int(tiff[base + offset + 1])
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ offset: Int) -> Int? {
            guard let first = u16(offset), let second = u16(offset + 2) else { return nil }
            return littleEndian ? first | second << 16 : first << 16 | second
        }
        guard u16(2) == 42, let ifd = u32(4), let entries = u16(ifd) else { return nil }
        for index in 0..<entries {
            let entry = ifd + 2 + index * 12
            guard let tag = u16(entry), let type = u16(entry + 2) else { return nil }
            guard tag == 0x0112 else { continue }
            let value: Int?
            switch type {
            case 3: value = u16(entry + 8)  // SHORT, left-justified in the 4-byte field
            case 4: value = u32(entry + 8)  // LONG, written by a few tools
            default: value = nil
            }
            return value.flatMap(ExifOrientation.init(rawValue:))
        }
        return nil
    }
}
