import CImageCodecs
import Foundation
import Testing
@testable import ImageProcessing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Test content of the kinds the encoder tells apart, generated here (deterministic).
enum Content: String, CaseIterable, CustomStringConvertible {
    case smooth, noisy, texture
    /// Bands of smooth and noisy rows: chunks of both modes, so a thread's stream switches between them.
    case mixed

    var description: String { rawValue }

    func pixels(width: Int, height: Int, channels: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(rawValue.utf8.count)
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        // Roughly Gaussian (sum of uniforms), sigma ~18 for `noisy`.
        func noise(_ sigma: Double) -> Double {
            var sum = 0.0
            for _ in 0..<4 { sum += Double(next() & 0xFFFF) / 65535.0 }
            return (sum - 2) * sigma * 1.73
        }
        var out = [UInt8](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                let fx: Double = Double(x) / Double(max(width, 1))
                let fy: Double = Double(y) / Double(max(height, 1))
                for c in 0..<channels {
                    var v: Double
                    if c == 3 {
                        let ramp: Int = (x + y) % 64
                        v = 255 - Double(ramp)
                    } else {
                        let base: Double = 40 + 80 * fx + 30 * fy
                        v = base + Double(c) * 10
                        switch self {
                        case .smooth: break
                        case .noisy: v += noise(18)
                        case .texture:
                            let pattern: Int = (x * 7 + y * 13 + c * 5) % 23
                            v += Double(pattern) * 3 + noise(3)
                        case .mixed:
                            let band: Int = (y / 150) % 2
                            if band == 1 { v += noise(18) }
                        }
                    }
                    out[(y * width + x) * channels + c] = UInt8(min(max(v.rounded(), 0), 255))
                }
            }
        }
        return out
    }
}

@Suite("Parallel chunked PNG encoder")
struct ParallelPNGTests {
    @Test("every kind round-trips through libpng, serial and parallel give the same bytes", arguments: Content.allCases, [3, 4])
    func roundTrip(content: Content, channels: Int) throws {
        // ~2.4 MB of RGB: five chunks, so chunk boundaries, dictionaries and helpers are all exercised.
        let w = 1003, h = 797
        let bitmap = Bitmap(width: w, height: h, channels: channels, pixels: content.pixels(width: w, height: h, channels: channels))
        let serial = try encodePNG(bitmap)
        let parallel = try encodePNG(bitmap, cores: CoreBudget(cores: 4))
        #expect(serial == parallel)
        #expect(ImageFormat.sniff(serial) == .png)
        #expect(try decodeImage(.data(serial)) == bitmap)
    }

    @Test("noisy chunks are Huffman-coded, smooth ones are not")
    func modeFollowsContent() throws {
        let w = 1200, h = 600
        for content in Content.allCases {
            let bitmap = Bitmap(width: w, height: h, channels: 3, pixels: content.pixels(width: w, height: h, channels: 3))
            let encoder = try PNGRowEncoder.begin(file: nil, name: "<memory>", width: w, height: h, channels: 3, settings: .default, budget: nil)
            try bitmap.pixels.withUnsafeBufferPointer { buffer throws(ImageError) in
                guard let base = buffer.baseAddress else { return }
                try encoder.write(rows: base, stride: w * 3, count: h)
            }
            try encoder.finish()
            let stats = encoder.statistics
            #expect(stats.chunks >= 4)
            #expect(stats.helperThreads == 0 && stats.helperChunks == 0)
            if content == .noisy {
                #expect(stats.huffmanChunks == stats.chunks, "\(content): \(stats)")
            } else if content == .mixed {
                #expect(stats.huffmanChunks > 0 && stats.huffmanChunks < stats.chunks, "\(content): \(stats)")
            } else {
                #expect(stats.huffmanChunks == 0, "\(content): \(stats)")
            }
            #expect(try decodeImage(.data(encoder.data())) == bitmap)
        }
    }

    @Test("fixed settings of every filter and strategy round-trip")
    func fixedSettings() throws {
        let w = 611, h = 903
        let bitmap = Bitmap(width: w, height: h, channels: 3, pixels: Content.texture.pixels(width: w, height: h, channels: 3))
        let filters: [PNGEncoderSettings.Filters] = [.none, .sub, .up, .average, .paeth, .all]
        for (index, filter) in filters.enumerated() {
            let strategy = [PNGEncoderSettings.Strategy.default, .filtered, .huffmanOnly, .rle][index % 4]
            let settings = PNGEncoderSettings(compressionLevel: index * 2 % 10, strategy: strategy, filters: filter)
            let png = try encodePNG(bitmap, settings: settings, cores: CoreBudget(cores: 3))
            #expect(try decodeImage(.data(png)) == bitmap, "filters \(filter.rawValue)")
        }
    }

    @Test("rows wider than a chunk, one-pixel and one-row images", arguments: [(200_001, 3), (1, 1), (1, 5000), (5000, 1)])
    func shapes(size: (Int, Int)) throws {
        let (w, h) = size
        let bitmap = Bitmap(width: w, height: h, channels: 3, pixels: Content.noisy.pixels(width: w, height: h, channels: 3))
        let png = try encodePNG(bitmap, cores: CoreBudget(cores: 2))
        #expect(try decodeImage(.data(png)) == bitmap)
        #expect(try encodePNG(bitmap) == png)
    }

    @Test("a budget with as many jobs as cores lends no helper; a lone job gets one")
    func budgetLimitsHelpers() throws {
        let w = 1000, h = 800
        let bitmap = Bitmap(width: w, height: h, channels: 3, pixels: Content.smooth.pixels(width: w, height: h, channels: 3))
        let budget = CoreBudget(cores: 2)
        func encode() throws(ImageError) -> PNGEncoderStatistics {
            let encoder = try PNGRowEncoder.begin(file: nil, name: "<memory>", width: w, height: h, channels: 3, settings: .default, budget: budget)
            try bitmap.pixels.withUnsafeBufferPointer { buffer throws(ImageError) in
                guard let base = buffer.baseAddress else { return }
                try encoder.write(rows: base, stride: w * 3, count: h)
            }
            try encoder.finish()
            #expect(try decodeImage(.data(encoder.data())) == bitmap)
            return encoder.statistics
        }
        // Two jobs on two cores (this one and another, simulated): every chunk on the job's own thread.
        let busy = try budget.job { () throws(ImageError) in try budget.job { () throws(ImageError) in try encode() } }
        #expect(busy.helperThreads == 0 && busy.helperChunks == 0)
        #expect(budget.usage.jobs == 0 && budget.usage.leases == 0)
        // One job: a helper thread starts (which chunks it gets depends on timing), leases are returned.
        let alone = try budget.job { () throws(ImageError) in try encode() }
        #expect(alone.helperThreads == 1)
        #expect(budget.usage.jobs == 0 && budget.usage.leases == 0)
    }

    @Test("the pipeline counts itself as a job and returns every lease")
    func pipelineJob() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let w = 1400, h = 900
        let pixels = Content.noisy.pixels(width: w, height: h, channels: 3)
        let jpeg = try makeJPEG(pixels: pixels, width: w, height: h, components: 3, quality: 90)
        let budget = CoreBudget(cores: 2)
        let output = directory.appendingPathComponent("out.png").path
        let result = try sepiaPipeline(input: .data(jpeg), output: output, cores: budget)
        #expect(budget.usage.jobs == 0 && budget.usage.leases == 0)
        #expect(result.encoder.helperThreads == 1)
        // JPEG smooths the noise a little and sepia narrows it, but it stays noise.
        #expect(result.encoder.huffmanChunks * 2 >= result.encoder.chunks, "\(result.encoder)")
        // Same pixels as decoding the JPEG and applying sepia in memory.
        let expected = try decodeImage(.data(jpeg)).sepia()
        #expect(try decodeImage(.file(output)) == expected)
        let serialOutput = directory.appendingPathComponent("serial.png").path
        _ = try sepiaPipeline(input: .data(jpeg), output: serialOutput, cores: nil)
        #expect(FileManager.default.contents(atPath: serialOutput) == FileManager.default.contents(atPath: output))
    }

    @Test("a failing write is an I/O error, not a crash or a hang")
    func writeFailure() throws {
        guard let file = fopen("/dev/full", "wb") else { return }
        defer { fclose(file) }
        let w = 800, h = 800
        let bitmap = Bitmap(width: w, height: h, channels: 3, pixels: Content.noisy.pixels(width: w, height: h, channels: 3))
        let encoder = try PNGRowEncoder.begin(file: file, name: "/dev/full", width: w, height: h, channels: 3, settings: .default, budget: CoreBudget(cores: 2))
        let outcome = bitmap.pixels.withUnsafeBufferPointer { buffer -> Result<Void, ImageError> in
            Result { () throws(ImageError) in
                guard let base = buffer.baseAddress else { return }
                try encoder.write(rows: base, stride: w * 3, count: h)
                try encoder.finish()
            }
        }
        guard case .failure(let error) = outcome else {
            Issue.record("writing to /dev/full succeeded")
            return
        }
        #expect(error == .io(path: "/dev/full", errno: ENOSPC))
    }
}
