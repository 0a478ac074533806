import Foundation
import Testing
@testable import ImageProcessing

/// One PNG variant and the 8-bit RGB(A) pixels the decoder must produce for it.
struct PNGCase: CustomStringConvertible, Sendable {
    let name: String
    let colorType: Int
    let bitDepth: Int
    let samples: [Int]
    let palette: [UInt8]
    let trns: [UInt8]
    let trnsColor: [UInt16]?
    let expected: [UInt8]
    let expectedChannels: Int
    var description: String { name }

    static let width = 13
    static let height = 11

    static var all: [PNGCase] {
        let n = width * height
        var cases: [PNGCase] = []
        for depth in [1, 2, 4, 8, 16] {
            let maximum = (1 << depth) - 1
            let samples = (0..<n).map { ($0 * 7919) % (maximum + 1) }
            // Expansion of low depths replicates bits (v * 255 / max); 16-bit keeps the high byte.
            let eight = samples.map { depth == 16 ? UInt8($0 >> 8) : UInt8($0 * 255 / maximum) }
            cases.append(PNGCase(name: "gray \(depth)", colorType: 0, bitDepth: depth, samples: samples,
                                 palette: [], trns: [], trnsColor: nil,
                                 expected: eight.flatMap { [$0, $0, $0] }, expectedChannels: 3))
        }
        for depth in [8, 16] {
            let maximum = (1 << depth) - 1
            let ga = (0..<(n * 2)).map { ($0 * 40503 + 11) % (maximum + 1) }
            cases.append(PNGCase(name: "gray+alpha \(depth)", colorType: 4, bitDepth: depth, samples: ga,
                                 palette: [], trns: [], trnsColor: nil,
                                 expected: stride(from: 0, to: ga.count, by: 2).flatMap { i -> [UInt8] in
                                     let g = UInt8(ga[i] >> (depth - 8)), a = UInt8(ga[i + 1] >> (depth - 8))
                                     return [g, g, g, a]
                                 }, expectedChannels: 4))
            let rgb = (0..<(n * 3)).map { ($0 * 2654435761 + 7) % (maximum + 1) }
            cases.append(PNGCase(name: "RGB \(depth)", colorType: 2, bitDepth: depth, samples: rgb,
                                 palette: [], trns: [], trnsColor: nil,
                                 expected: rgb.map { UInt8($0 >> (depth - 8)) }, expectedChannels: 3))
            let rgba = (0..<(n * 4)).map { ($0 * 97 + 3 * ($0 / 4)) % (maximum + 1) }
            cases.append(PNGCase(name: "RGBA \(depth)", colorType: 6, bitDepth: depth, samples: rgba,
                                 palette: [], trns: [], trnsColor: nil,
                                 expected: rgba.map { UInt8($0 >> (depth - 8)) }, expectedChannels: 4))
        }
        for depth in [1, 2, 4, 8] {
            let entries = 1 << depth
            let palette: [UInt8] = (0..<(entries * 3)).map { UInt8(($0 * 37 + 5) % 256) }
            let indices = (0..<n).map { ($0 * 31) % entries }
            let rgb = indices.flatMap { Array(palette[($0 * 3)..<($0 * 3 + 3)]) }
            cases.append(PNGCase(name: "palette \(depth)", colorType: 3, bitDepth: depth, samples: indices,
                                 palette: palette, trns: [], trnsColor: nil, expected: rgb, expectedChannels: 3))
            // tRNS may be shorter than the palette: later entries are opaque.
            let alphas: [UInt8] = (0..<max(1, entries / 2)).map { UInt8(($0 * 73) % 256) }
            let rgba = indices.flatMap { i -> [UInt8] in
                Array(palette[(i * 3)..<(i * 3 + 3)]) + [i < alphas.count ? alphas[i] : 255]
            }
            cases.append(PNGCase(name: "palette \(depth) + tRNS", colorType: 3, bitDepth: depth, samples: indices,
                                 palette: palette, trns: alphas, trnsColor: nil, expected: rgba, expectedChannels: 4))
        }
        let grays = (0..<n).map { $0 % 4 * 80 }
        cases.append(PNGCase(name: "gray 8 + tRNS colour", colorType: 0, bitDepth: 8, samples: grays,
                             palette: [], trns: [], trnsColor: [80],
                             expected: grays.flatMap { g in [UInt8(g), UInt8(g), UInt8(g), g == 80 ? 0 : 255] },
                             expectedChannels: 4))
        let rgbs = (0..<(n * 3)).map { $0 / 3 % 3 * 100 }
        cases.append(PNGCase(name: "RGB 8 + tRNS colour", colorType: 2, bitDepth: 8, samples: rgbs,
                             palette: [], trns: [], trnsColor: [100, 100, 100],
                             expected: stride(from: 0, to: rgbs.count, by: 3).flatMap { i -> [UInt8] in
                                 let v = UInt8(rgbs[i])
                                 return [v, v, v, v == 100 ? 0 : 255]
                             }, expectedChannels: 4))
        return cases
    }
}

@Suite("PNG decoding")
struct PNGDecodeTests {
    @Test("every colour type and bit depth, plain and Adam7", arguments: PNGCase.all, [false, true])
    func decode(variant: PNGCase, interlaced: Bool) throws {
        let png = try makePNG(width: PNGCase.width, height: PNGCase.height, colorType: variant.colorType,
                              bitDepth: variant.bitDepth, interlaced: interlaced, samples: variant.samples,
                              palette: variant.palette, trns: variant.trns, trnsColor: variant.trnsColor)
        #expect(png[28] == (interlaced ? 1 : 0))  // IHDR interlace byte: the fixture really is what it claims
        let image = try decodeImage(.data(png))
        #expect(image.width == PNGCase.width && image.height == PNGCase.height)
        #expect(image.channels == variant.expectedChannels)
        #expect(image.pixels == variant.expected)
    }

    @Test("16-bit samples keep the high byte (libpng strip_16, not rounding)")
    func strip16() throws {
        let png = try makePNG(width: 1, height: 1, colorType: 2, bitDepth: 16, samples: [0x12FF, 0x0080, 0xFFFF])
        #expect(try decodeImage(.data(png)).pixels == [0x12, 0x00, 0xFF])
    }

    @Test("file and memory sources decode identically, and RGBA keeps alpha through the pipeline")
    func rgbaPipeline() throws {
        let variant = try #require(PNGCase.all.first { $0.name == "RGBA 8" })
        let png = try makePNG(width: PNGCase.width, height: PNGCase.height, colorType: 6, bitDepth: 8, samples: variant.samples)
        let temp = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: temp) }
        let input = temp.appendingPathComponent("in.png")
        try png.write(to: input)
        let fromFile = try decodeImage(.file(input.path))
        let fromMemory = try decodeImage(.data(png))
        #expect(fromFile == fromMemory)
        let output = temp.appendingPathComponent("out.png").path
        let result = try sepiaPipeline(input: .file(input.path), output: output)
        #expect(result.hasAlpha)
        let written = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(written[25] == 6 && written[24] == 8)  // IHDR: RGBA, 8-bit
        let decoded = try decodeImage(.data(written))
        #expect(decoded == fromMemory.sepia())
        #expect(stride(from: 3, to: decoded.pixels.count, by: 4).allSatisfy { decoded.pixels[$0] == variant.expected[$0] })
    }
}

@Suite("PNG encoding")
struct PNGEncodeTests {
    @Test("RGB encodes as colour type 2 and RGBA as 6, both round-trip", arguments: [3, 4])
    func roundTrip(channels: Int) throws {
        let w = 37, h = 23
        let pixels: [UInt8] = (0..<(w * h * channels)).map { (i: Int) -> UInt8 in UInt8((i * 131 + i / 7) % 256) }
        let bitmap = Bitmap(width: w, height: h, channels: channels, pixels: pixels)
        for settings in [PNGEncoderSettings.default,
                         PNGEncoderSettings(compressionLevel: 9, strategy: .filtered, filters: .paeth),
                         PNGEncoderSettings(compressionLevel: 0, strategy: .rle, filters: .none)] {
            let png = try encodePNG(bitmap, settings: settings)
            #expect(ImageFormat.sniff(png) == .png)
            #expect(png[24] == 8 && png[25] == (channels == 4 ? 6 : 2))
            #expect(try decodeImage(.data(png)) == bitmap)
        }
    }

    @Test("output is deterministic")
    func deterministic() throws {
        let bitmap = Bitmap(width: 8, height: 8, channels: 3, pixels: gradientRGB(width: 8, height: 8))
        let first = try encodePNG(bitmap)
        let second = try encodePNG(bitmap)
        #expect(first == second)
    }
}
