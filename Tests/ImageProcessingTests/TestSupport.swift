import CImageCodecs
import Foundation
import Testing
import TestSupport
@testable import ImageProcessing

/// `Tests/Fixtures/sepia`: the Jimp sepia vectors and the reference image pair.
func sepiaTestDataDirectory() throws -> URL {
    try Fixtures.url("sepia")
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh empty directory, removed by the caller via `defer`.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("imageprocessing-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Encodes a JPEG fixture with libjpeg-turbo through the shim.
func makeJPEG(
    pixels: [UInt8], width: Int, height: Int, components: Int,
    stored: ic_jpeg_color = IC_JPEG_COLOR_UNKNOWN, quality: Int = 95, progressive: Bool = false,
    app1: [UInt8]? = nil
) throws -> Data {
    var out: UnsafeMutablePointer<UInt8>?
    var size = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = pixels.withUnsafeBufferPointer { pixelBuffer in
        (app1 ?? []).withUnsafeBufferPointer { app1Buffer in
            ic_jpeg_encode(
                pixelBuffer.baseAddress, UInt32(width), UInt32(height), width * components,
                Int32(components), stored, Int32(quality), progressive ? 1 : 0,
                app1 == nil ? nil : app1Buffer.baseAddress, app1Buffer.count,
                &out, &size, &message, message.count
            )
        }
    }
    guard status == 0, let out else {
        throw TestSetupError("ic_jpeg_encode failed \(status): \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
    }
    defer { ic_free(out) }
    return Data(bytes: out, count: size)
}

/// Encodes a PNG fixture of any colour type/bit depth from samples (one Int per sample).
func makePNG(
    width: Int, height: Int, colorType: Int, bitDepth: Int, interlaced: Bool = false,
    samples: [Int], palette: [UInt8] = [], trns: [UInt8] = [], trnsColor: [UInt16]? = nil
) throws -> Data {
    let perPixel: Int
    switch colorType {
    case 0, 3: perPixel = 1
    case 2: perPixel = 3
    case 4: perPixel = 2
    default: perPixel = 4
    }
    precondition(samples.count == width * height * perPixel)
    var rows: [UInt8] = []
    let stride = (width * perPixel * bitDepth + 7) / 8
    for y in 0..<height {
        let row = Array(samples[(y * width * perPixel)..<((y + 1) * width * perPixel)])
        let packed = packSamples(row, bitDepth: bitDepth)
        precondition(packed.count == stride)
        rows += packed
    }
    var out: UnsafeMutablePointer<UInt8>?
    var size = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = rows.withUnsafeBufferPointer { rowBuffer in
        palette.withUnsafeBufferPointer { paletteBuffer in
            trns.withUnsafeBufferPointer { trnsBuffer in
                (trnsColor ?? []).withUnsafeBufferPointer { colorBuffer in
                    ic_png_encode_raw(
                        UInt32(width), UInt32(height), Int32(colorType), Int32(bitDepth), interlaced ? 1 : 0,
                        rowBuffer.baseAddress, stride,
                        palette.isEmpty ? nil : paletteBuffer.baseAddress, Int32(palette.count / 3),
                        trns.isEmpty ? nil : trnsBuffer.baseAddress, Int32(trns.count),
                        trnsColor == nil ? nil : colorBuffer.baseAddress,
                        &out, &size, &message, message.count
                    )
                }
            }
        }
    }
    guard status == 0, let out else {
        throw TestSetupError("ic_png_encode_raw failed \(status): \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
    }
    defer { ic_free(out) }
    return Data(bytes: out, count: size)
}

/// Packs samples MSB-first for sub-byte depths, big-endian for 16 bits.
func packSamples(_ samples: [Int], bitDepth: Int) -> [UInt8] {
    switch bitDepth {
    case 8:
        return samples.map { UInt8($0) }
    case 16:
        return samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    default:
        var out: [UInt8] = []
        var current = 0
        var used = 0
        for sample in samples {
            current = current << bitDepth | sample
            used += bitDepth
            if used == 8 {
                out.append(UInt8(current))
                current = 0
                used = 0
            }
        }
        if used > 0 {
            out.append(UInt8(current << (8 - used)))
        }
        return out
    }
}

/// An APP1 payload: "Exif\0\0" + a TIFF header whose IFD0 holds only Orientation.
func exifPayload(orientation: Int, littleEndian: Bool) -> [UInt8] {
    func u16(_ v: Int) -> [UInt8] {
        littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)]
    }
    func u32(_ v: Int) -> [UInt8] {
        littleEndian ? u16(v & 0xFFFF) + u16(v >> 16) : u16(v >> 16) + u16(v & 0xFFFF)
    }
    var bytes: [UInt8] = Array("Exif".utf8) + [0, 0]
    bytes += littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]
    bytes += u16(42) + u32(8)
    bytes += u16(2)  // two entries: an unrelated tag first, so the parser must walk the IFD
    bytes += u16(0x010F) + u16(2) + u32(4) + Array("Abc\0".utf8)
    bytes += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
    bytes += u32(0)
    return bytes
}

/// Standard CRC-32 (as in PNG chunks), for hand-patched headers.
func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
        }
    }
    return ~crc
}

/// Mean absolute difference per sample.
func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
    precondition(a.count == b.count)
    var total = 0
    for (x, y) in zip(a, b) {
        total += abs(Int(x) - Int(y))
    }
    return Double(total) / Double(max(a.count, 1))
}

/// A smooth RGB test picture (JPEG-friendly).
func gradientRGB(width: Int, height: Int) -> [UInt8] {
    var pixels: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            pixels += [UInt8(x * 255 / max(width - 1, 1)), UInt8(y * 255 / max(height - 1, 1)), UInt8((x + y) * 127 / max(width + height - 2, 1))]
        }
    }
    return pixels
}
