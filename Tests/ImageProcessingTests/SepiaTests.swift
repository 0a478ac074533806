import Foundation
import Testing
@testable import ImageProcessing

@Suite("Jimp-exact sepia")
struct SepiaTests {
    @Test("all rows of jimp-sepia-vectors.tsv are bit-exact")
    func vectors() throws {
        let url = try sepiaTestDataDirectory().appendingPathComponent("jimp-sepia-vectors.tsv")
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows = 0
        var mismatches: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            let fields = line.split(separator: "\t").compactMap { UInt8($0.trimmingCharacters(in: .whitespaces)) }
            try #require(fields.count == 6, "bad row: \(line)")
            let out = Sepia.apply(red: fields[0], green: fields[1], blue: fields[2])
            if out != (fields[3], fields[4], fields[5]) {
                mismatches.append("\(fields[0..<3]) -> \(out), want \(fields[3..<6])")
            }
            rows += 1
        }
        #expect(rows == 1466)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test("known colours: pure red is (100,34,45), white saturates to white")
    func knownColours() {
        #expect(Sepia.apply(red: 255, green: 0, blue: 0) == (100, 34, 45))
        #expect(Sepia.apply(red: 255, green: 255, blue: 255) == (255, 255, 255))
        #expect(Sepia.apply(red: 0, green: 0, blue: 0) == (0, 0, 0))
    }

    @Test("row form leaves alpha untouched and matches the per-pixel form")
    func rowForm() {
        var pixels: [UInt8] = [255, 0, 0, 7, 10, 200, 30, 128, 255, 255, 255, 0]
        pixels.withUnsafeMutableBufferPointer { buffer in
            Sepia.apply(to: buffer.baseAddress!, pixelCount: 3, channels: 4)
        }
        let second = Sepia.apply(red: 10, green: 200, blue: 30)
        #expect(pixels == [100, 34, 45, 7, second.red, second.green, second.blue, 128, 255, 255, 255, 0])
    }

    @Test("input-64x48.png through sepia equals expected-jimp-sepia-64x48.png pixel for pixel")
    func imagePair() throws {
        let directory = try sepiaTestDataDirectory()
        let input = try decodeImage(.file(directory.appendingPathComponent("input-64x48.png").path))
        let expected = try decodeImage(.file(directory.appendingPathComponent("expected-jimp-sepia-64x48.png").path))
        #expect(input.width == 64 && input.height == 48)
        let actual = input.sepia()
        #expect(actual.channels == expected.channels)
        #expect(actual == expected)
    }

    @Test("streaming pipeline output equals the Jimp reference image")
    func pipelinePair() throws {
        let directory = try sepiaTestDataDirectory()
        let temp = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: temp) }
        let output = temp.appendingPathComponent("out.png").path
        let result = try sepiaPipeline(input: .file(directory.appendingPathComponent("input-64x48.png").path), output: output)
        #expect(result == PipelineResult(width: 64, height: 48, hasAlpha: false, bytesWritten: result.bytesWritten, encoder: result.encoder))
        let attributes = try FileManager.default.attributesOfItem(atPath: output)
        #expect((attributes[.size] as? Int) == result.bytesWritten)
        let written = try decodeImage(.file(output))
        let expected = try decodeImage(.file(directory.appendingPathComponent("expected-jimp-sepia-64x48.png").path))
        #expect(written == expected)
    }
}
