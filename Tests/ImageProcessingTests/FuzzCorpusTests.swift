import CImageCodecs
import Foundation
import FuzzTargets
import Testing

@testable import ImageProcessing

/// The image fuzz target's seed corpus and its replay.
///
/// The seeds are written by these fixture encoders: `IMAGERY_FUZZ_RECORD_SEEDS=1 swift test
/// --filter FuzzCorpus` rewrites Fuzz/corpora/image/; otherwise the committed seeds are checked.
@Suite("Fuzz corpus: image decode")
struct FuzzCorpusTests {
    /// Small images of every kind the decoders handle: each seed opens a different code path.
    static func seeds() throws -> [(name: String, data: Data)] {
        let rgb = gradientRGB(width: 16, height: 16)
        let small = gradientRGB(width: 8, height: 4)
        let gray: [UInt8] = (0..<64).map { UInt8($0 * 4) }
        var cmyk: [UInt8] = []
        for i in 0..<64 { cmyk += [UInt8(i * 4), UInt8(255 - i * 4), 128, UInt8(i)] }
        var rgba: [Int] = []
        for i in 0..<16 { rgba += [i * 16, 255 - i * 16, 64, i * 8] }
        let rgbSamples: [Int] = rgba.enumerated().filter { $0.offset % 4 != 3 }.map(\.element)
        var seeds: [(name: String, data: Data)] = []
        seeds.append(("baseline-rgb.jpg", try makeJPEG(pixels: rgb, width: 16, height: 16, components: 3, quality: 90)))
        seeds.append(("progressive.jpg", try makeJPEG(pixels: rgb, width: 16, height: 16, components: 3, quality: 80, progressive: true)))
        seeds.append(("odd-size-13x7.jpg", try makeJPEG(pixels: gradientRGB(width: 13, height: 7), width: 13, height: 7, components: 3, quality: 70)))
        seeds.append(("gray.jpg", try makeJPEG(pixels: gray, width: 8, height: 8, components: 1)))
        seeds.append(("cmyk.jpg", try makeJPEG(pixels: cmyk, width: 8, height: 8, components: 4, stored: IC_JPEG_COLOR_CMYK)))
        seeds.append(("ycck.jpg", try makeJPEG(pixels: cmyk, width: 8, height: 8, components: 4, stored: IC_JPEG_COLOR_YCCK)))
        seeds.append(
            ("exif-rotate-6-le.jpg", try makeJPEG(pixels: small, width: 8, height: 4, components: 3, app1: exifPayload(orientation: 6, littleEndian: true))))
        seeds.append(
            ("exif-mirror-2-be.jpg", try makeJPEG(pixels: small, width: 8, height: 4, components: 3, app1: exifPayload(orientation: 2, littleEndian: false))))
        seeds.append(("rgb.png", try makePNG(width: 4, height: 4, colorType: 2, bitDepth: 8, samples: rgbSamples)))
        seeds.append(("rgba.png", try makePNG(width: 4, height: 4, colorType: 6, bitDepth: 8, samples: rgba)))
        seeds.append(("gray-1bit.png", try makePNG(width: 9, height: 3, colorType: 0, bitDepth: 1, samples: (0..<27).map { $0 % 2 })))
        seeds.append(("gray-alpha.png", try makePNG(width: 3, height: 3, colorType: 4, bitDepth: 8, samples: (0..<18).map { $0 * 14 })))
        seeds.append(("gray-trns.png", try makePNG(width: 4, height: 2, colorType: 0, bitDepth: 4, samples: (0..<8).map { $0 * 2 }, trnsColor: [4])))
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]
        seeds.append(
            ("palette-trns.png",
             try makePNG(width: 5, height: 2, colorType: 3, bitDepth: 2, samples: (0..<10).map { $0 % 4 }, palette: palette, trns: [255, 128, 0])))
        seeds.append(("rgb16.png", try makePNG(width: 2, height: 2, colorType: 2, bitDepth: 16, samples: (0..<12).map { $0 * 5000 })))
        seeds.append(
            ("interlaced.png", try makePNG(width: 9, height: 9, colorType: 2, bitDepth: 8, interlaced: true, samples: (0..<243).map { $0 % 256 })))
        return seeds
    }

    @Test("the committed seeds are the fixtures, and each decodes")
    func committedSeeds() async throws {
        let directory = FuzzTarget.image.corpusDirectory
        let seeds = try Self.seeds()
        if ProcessInfo.processInfo.environment["IMAGERY_FUZZ_RECORD_SEEDS"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for seed in seeds {
                try seed.data.write(to: directory.appendingPathComponent(seed.name))
            }
        }
        for seed in seeds {
            let committed = try Data(contentsOf: directory.appendingPathComponent(seed.name))
            let bitmap = try decodeImage(.data(committed))
            #expect(bitmap.width > 0 && bitmap.height > 0, "\(seed.name)")
        }
    }

    @Test("every seed and crash reproducer gets a value or a clear error, fast")
    func replay() async throws {
        let replays = try await FuzzTarget.image.replayCommitted()
        #expect(replays.count >= 16, "the seed corpus is missing: \(FuzzTarget.image.corpusDirectory.path)")
        for replay in replays {
            for result in replay.results {
                #expect(!result.isUnexpected, "\(replay.input.lastPathComponent): \(result)")
            }
            #expect(replay.seconds < 5, "\(replay.input.lastPathComponent) took \(replay.seconds) s")
        }
    }
}
