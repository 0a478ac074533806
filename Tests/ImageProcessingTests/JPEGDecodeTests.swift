import CImageCodecs
import Foundation
import Testing
@testable import ImageProcessing

@Suite("JPEG decoding")
struct JPEGDecodeTests {
    static let width = 48
    static let height = 32

    @Test("baseline YCbCr decodes close to the source")
    func baseline() throws {
        let source = gradientRGB(width: Self.width, height: Self.height)
        let jpeg = try makeJPEG(pixels: source, width: Self.width, height: Self.height, components: 3)
        let image = try decodeImage(.data(jpeg))
        #expect(image.width == Self.width && image.height == Self.height && image.channels == 3)
        #expect(meanAbsoluteDifference(image.pixels, source) < 3)
    }

    @Test("progressive decodes to exactly the same pixels as baseline")
    func progressive() throws {
        let source = gradientRGB(width: Self.width, height: Self.height)
        let baseline = try makeJPEG(pixels: source, width: Self.width, height: Self.height, components: 3)
        let progressive = try makeJPEG(pixels: source, width: Self.width, height: Self.height, components: 3, progressive: true)
        #expect(baseline != progressive)
        let fromProgressive = try decodeImage(.data(progressive))
        let fromBaseline = try decodeImage(.data(baseline))
        #expect(fromProgressive == fromBaseline)
    }

    @Test("RGB-stored JPEG (no YCbCr transform)")
    func rgbStored() throws {
        let source = gradientRGB(width: Self.width, height: Self.height)
        let jpeg = try makeJPEG(pixels: source, width: Self.width, height: Self.height, components: 3, stored: IC_JPEG_COLOR_RGB)
        #expect(meanAbsoluteDifference(try decodeImage(.data(jpeg)).pixels, source) < 3)
    }

    @Test("grayscale (1 component) becomes RGB with equal channels")
    func grayscale() throws {
        var gray: [UInt8] = []
        for y in 0..<Self.height {
            for x in 0..<Self.width { gray.append(UInt8((x * 5 + y * 3) % 256)) }
        }
        let jpeg = try makeJPEG(pixels: gray, width: Self.width, height: Self.height, components: 1)
        let image = try decodeImage(.data(jpeg))
        #expect(image.channels == 3)
        var expanded: [UInt8] = []
        for value in gray { expanded += [value, value, value] }
        for index in stride(from: 0, to: image.pixels.count, by: 3) {
            #expect(image.pixels[index] == image.pixels[index + 1] && image.pixels[index] == image.pixels[index + 2])
        }
        #expect(meanAbsoluteDifference(image.pixels, expanded) < 3)
    }

    /// Adobe-style inverted CMYK: stored C' = 255 - C, so RGB = C' * K' / 255.
    @Test("Adobe CMYK and YCCK (4 components) convert to RGB", arguments: [IC_JPEG_COLOR_CMYK, IC_JPEG_COLOR_YCCK])
    func cmyk(stored: ic_jpeg_color) throws {
        let rgb = gradientRGB(width: Self.width, height: Self.height)
        var cmyk: [UInt8] = []
        var expected: [UInt8] = []
        for index in stride(from: 0, to: rgb.count, by: 3) {
            let k: Int = index / 3 % Self.width < Self.width / 2 ? 255 : 160  // right half has black ink
            cmyk += [rgb[index], rgb[index + 1], rgb[index + 2], UInt8(k)]
            expected += (0..<3).map { UInt8((Int(rgb[index + $0]) * k + 127) / 255) }
        }
        let jpeg = try makeJPEG(pixels: cmyk, width: Self.width, height: Self.height, components: 4, stored: stored, quality: 98)
        let image = try decodeImage(.data(jpeg))
        #expect(image.channels == 3)
        #expect(meanAbsoluteDifference(image.pixels, expected) < 3)
    }

    @Test("EXIF orientation 1...8 moves the marked corner like Jimp", arguments: 1...8, [true, false])
    func orientation(value: Int, littleEndian: Bool) throws {
        // 32x16, top-left 8x8 block white, rest black: quality 100 keeps it unambiguous.
        let w = 32, h = 16
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<8 { for x in 0..<8 { for c in 0..<3 { pixels[(y * w + x) * 3 + c] = 255 } } }
        let plain = try makeJPEG(pixels: pixels, width: w, height: h, components: 3, quality: 100)
        let tagged = try makeJPEG(pixels: pixels, width: w, height: h, components: 3, quality: 100,
                                  app1: exifPayload(orientation: value, littleEndian: littleEndian))
        let unrotated = try decodeImage(.data(plain))
        let image = try decodeImage(.data(tagged))
        let swapped = value > 4
        #expect(image.width == (swapped ? h : w) && image.height == (swapped ? w : h))
        // Where the white block's centre pixel should land.
        let right = image.width - 4, bottom = image.height - 4
        let expected: (Int, Int) = switch value {
        case 1, 5: (3, 3)
        case 2, 6: (right, 3)
        case 3, 7: (right, bottom)
        default: (3, bottom)  // 4, 8
        }
        #expect(image.pixel(x: expected.0, y: expected.1).allSatisfy { $0 > 200 })
        let lit = image.pixels.count { $0 > 200 }
        #expect(lit == 64 * 3)
        // And every pixel follows Jimp's coordinate table exactly.
        let orientation = try #require(ExifOrientation(rawValue: value))
        for y in 0..<image.height {
            for x in 0..<image.width {
                let from = orientation.sourceCoordinate(x: x, y: y, width: w, height: h)
                #expect(image.pixel(x: x, y: y) == unrotated.pixel(x: from.x, y: from.y))
            }
        }
    }

    @Test("orientation parser: both byte orders, junk ignored")
    func orientationParser() {
        for value in 1...8 {
            for littleEndian in [true, false] {
                let tiff = Array(exifPayload(orientation: value, littleEndian: littleEndian).dropFirst(6))
                #expect(ExifOrientation.parse(tiff: tiff)?.rawValue == value)
            }
        }
        #expect(ExifOrientation.parse(tiff: Array(exifPayload(orientation: 9, littleEndian: true).dropFirst(6))) == nil)
        #expect(ExifOrientation.parse(tiff: [UInt8]([0x49, 0x49, 42, 0, 0xFF, 0xFF, 0, 0])) == nil)
        #expect(ExifOrientation.parse(tiff: [UInt8]([1, 2, 3])) == nil)
        let truncated = Array(exifPayload(orientation: 6, littleEndian: false).dropFirst(6).prefix(30))
        #expect(ExifOrientation.parse(tiff: truncated) == nil)
    }

    @Test("orientation 6 goes through the streaming pipeline too")
    func orientedPipeline() throws {
        let w = 24, h = 16
        let pixels = gradientRGB(width: w, height: h)
        let jpeg = try makeJPEG(pixels: pixels, width: w, height: h, components: 3, app1: exifPayload(orientation: 6, littleEndian: false))
        let temp = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: temp) }
        let output = temp.appendingPathComponent("out.png").path
        let result = try sepiaPipeline(input: .data(jpeg), output: output)
        #expect(result.width == h && result.height == w && !result.hasAlpha)
        let written = try decodeImage(.file(output))
        let reference = try decodeImage(.data(jpeg)).sepia()
        #expect(written == reference)
    }
}
