import CImageCodecs
import Foundation
import Testing
@testable import ImageProcessing

@Suite("Errors and limits")
struct ErrorTests {
    /// Runs the pipeline into an empty directory and checks that it leaves the directory empty.
    func failingPipeline(_ input: ImageSource, limits: Limits = Limits()) throws -> ImageError? {
        let temp = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: temp) }
        var caught: ImageError?
        do {
            _ = try sepiaPipeline(input: input, output: temp.appendingPathComponent("out.png").path, limits: limits)
        } catch {
            caught = error
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).isEmpty, "a failed run left files behind")
        return caught
    }

    @Test("magic bytes decide, not names")
    func sniffing() {
        #expect(ImageFormat.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFormat.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageFormat.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A]) == nil)
        #expect(ImageFormat.sniff(Array("GIF89a".utf8)) == nil)
        #expect(ImageFormat.sniff([UInt8]()) == nil)
    }

    @Test("a text file named .png is notAnImage")
    func textFile() throws {
        let temp = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: temp) }
        let path = temp.appendingPathComponent("photo.png")
        try Data("hello, this is not a picture\n".utf8).write(to: path)
        #expect(try failingPipeline(.file(path.path)) == .notAnImage)
        #expect(throws: ImageError.notAnImage) { try decodeImage(.file(path.path)) }
    }

    @Test("zero-byte input is notAnImage, from a file and from memory")
    func zeroBytes() throws {
        let temp = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: temp) }
        let path = temp.appendingPathComponent("empty.jpg")
        try Data().write(to: path)
        #expect(try failingPipeline(.file(path.path)) == .notAnImage)
        #expect(try failingPipeline(.data(Data())) == .notAnImage)
    }

    @Test("a missing input is an io error naming the path")
    func missingFile() throws {
        let error = try failingPipeline(.file("/nonexistent/dir/x.jpg"))
        #expect(error == .io(path: "/nonexistent/dir/x.jpg", errno: ENOENT))
        #expect(error?.description.contains("No such file") == true)
    }

    @Test("an unwritable output directory is an io error")
    func unwritableOutput() throws {
        let png = try makePNG(width: 2, height: 2, colorType: 2, bitDepth: 8, samples: Array(repeating: 9, count: 12))
        #expect(throws: ImageError.io(path: "/nonexistent/dir/out.png", errno: ENOENT)) {
            try sepiaPipeline(input: .data(png), output: "/nonexistent/dir/out.png")
        }
    }

    @Test("truncated JPEG (baseline and progressive) is corrupt and leaves no output", arguments: [false, true])
    func truncatedJPEG(progressive: Bool) throws {
        let jpeg = try makeJPEG(pixels: gradientRGB(width: 64, height: 64), width: 64, height: 64, components: 3, progressive: progressive)
        for length in [jpeg.count * 2 / 3, jpeg.count / 3, jpeg.count - 10, 300] {
            let cut = jpeg.prefix(length)
            for source in [ImageSource.data(Data(cut)), try writeTemp(cut)] {
                let error = try failingPipeline(source)
                guard case .corrupt(let detail) = error else {
                    Issue.record("expected corrupt, got \(String(describing: error)) at \(length) of \(jpeg.count)")
                    continue
                }
                #expect(detail.contains("Premature end of JPEG file"), "\(detail)")
            }
        }
    }

    @Test("a JPEG missing only its EOI marker is accepted, like browsers do", arguments: [false, true])
    func missingEOI(progressive: Bool) throws {
        let jpeg = try makeJPEG(pixels: gradientRGB(width: 64, height: 64), width: 64, height: 64, components: 3, progressive: progressive)
        #expect(jpeg.suffix(2) == Data([0xFF, 0xD9]))
        let withoutEOI = try decodeImage(.data(jpeg.dropLast(2)))
        let complete = try decodeImage(.data(jpeg))
        #expect(withoutEOI == complete)
    }

    @Test("truncated PNG is corrupt and leaves no output", arguments: [false, true])
    func truncatedPNG(interlaced: Bool) throws {
        let samples = (0..<(64 * 64 * 3)).map { ($0 * 7 + $0 / 190) % 256 }
        let png = try makePNG(width: 64, height: 64, colorType: 2, bitDepth: 8, interlaced: interlaced, samples: samples)
        for length in [png.count / 2, png.count - 5, 20] {
            let cut = png.prefix(length)
            for source in [ImageSource.data(Data(cut)), try writeTemp(cut)] {
                let error = try failingPipeline(source)
                guard case .corrupt(let detail) = error else {
                    Issue.record("expected corrupt, got \(String(describing: error)) at \(length)")
                    continue
                }
                #expect(detail.contains("truncated PNG"), "\(detail)")
            }
        }
    }

    @Test("a PNG with a bad CRC is corrupt")
    func badCRC() throws {
        var png = try makePNG(width: 4, height: 4, colorType: 2, bitDepth: 8, samples: Array(repeating: 1, count: 48))
        png[29] ^= 0xFF  // IHDR CRC
        guard case .corrupt = try failingPipeline(.data(png)) else {
            Issue.record("expected corrupt")
            return
        }
    }

    @Test("PNG header claiming 20000x20000 is tooManyPixels before allocation")
    func hugePNG() throws {
        var png = try makePNG(width: 4, height: 4, colorType: 2, bitDepth: 8, samples: Array(repeating: 1, count: 48))
        // IHDR data sits at 16..<29; rewrite width/height and the chunk CRC.
        let size: [UInt8] = [0, 0, 0x4E, 0x20]  // 20000 big-endian
        png.replaceSubrange(16..<20, with: size)
        png.replaceSubrange(20..<24, with: size)
        let crc = crc32(png[12..<29])
        png.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        let expected = ImageError.tooManyPixels(width: 20000, height: 20000, limit: 100_000_000)
        #expect(try failingPipeline(.data(png)) == expected)
        #expect(expected.description.contains("400000000"))
        // Under a raised limit the same header gets past the check and fails on the missing data
        // instead, which proves the limit (not libpng) rejected it.
        let allowed = try failingPipeline(.data(png), limits: Limits(maxPixels: 400_000_000))
        #expect(allowed != expected && allowed != nil)
    }

    @Test("JPEG header claiming 20000x20000 is tooManyPixels before allocation")
    func hugeJPEG() throws {
        var jpeg = try makeJPEG(pixels: gradientRGB(width: 16, height: 16), width: 16, height: 16, components: 3)
        let sof = try #require((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0x4E, 0x20, 0x4E, 0x20])
        #expect(try failingPipeline(.data(jpeg)) == .tooManyPixels(width: 20000, height: 20000, limit: 100_000_000))
        #expect(try failingPipeline(.data(jpeg), limits: Limits(maxPixels: 255)) == .tooManyPixels(width: 20000, height: 20000, limit: 255))
    }

    @Test("every error has a readable description")
    func descriptions() {
        #expect(ImageError.notAnImage.description.contains("neither the JPEG"))
        #expect(ImageError.corrupt("JPEG: Premature end of JPEG file").description == "corrupt image: JPEG: Premature end of JPEG file")
        #expect(ImageError.unsupportedFormat("JPEG: 2 components").description.contains("2 components"))
        #expect(ImageError.io(path: "/x", errno: EACCES).description.contains("Permission denied"))
    }

    @Test("shim status codes match the Swift mirror")
    func statusMirror() {
        #expect(ShimStatus.corrupt.rawValue == Int32(IC_ERR_CORRUPT.rawValue))
        #expect(ShimStatus.unsupported.rawValue == Int32(IC_ERR_UNSUPPORTED.rawValue))
        #expect(ShimStatus.outOfMemory.rawValue == Int32(IC_ERR_NOMEM.rawValue))
        #expect(ShimStatus.io.rawValue == Int32(IC_ERR_IO.rawValue))
        #expect(ShimStatus.state.rawValue == Int32(IC_ERR_STATE.rawValue))
    }

    @Test("concurrent pipelines share no state")
    func concurrent() async throws {
        let directory = try sepiaTestDataDirectory()
        let expected = try decodeImage(.file(directory.appendingPathComponent("expected-jimp-sepia-64x48.png").path))
        let input = directory.appendingPathComponent("input-64x48.png").path
        let bad = try makeJPEG(pixels: gradientRGB(width: 64, height: 64), width: 64, height: 64, components: 3).prefix(500)
        let temp = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: temp) }
        let results = await withTaskGroup(of: Bool.self) { group -> [Bool] in
            for index in 0..<16 {
                group.addTask {
                    let output = temp.appendingPathComponent("out-\(index).png").path
                    if index % 2 == 1 {
                        return (try? sepiaPipeline(input: .data(Data(bad)), output: output)) == nil
                    }
                    guard (try? sepiaPipeline(input: .file(input), output: output)) != nil else { return false }
                    return (try? decodeImage(.file(output))) == expected
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 16 && results.allSatisfy { $0 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path).count == 8)
    }
}

/// Writes bytes to a fresh temp file and returns it as a file source (the file is left for the OS).
func writeTemp(_ bytes: some DataProtocol) throws -> ImageSource {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("imageprocessing-\(UUID().uuidString)")
    try Data(bytes).write(to: url)
    return .file(url.path)
}
