import Foundation
import ImageProcessing

/// The worker's decode path: `decodeImage` (whole image in memory) and `sepiaPipeline` (rows in
/// batches, the path the worker runs), under a pixel limit small enough for a sanitizer build.
///
/// Both read the same bytes, so they must agree on the size and on success or failure.
enum ImageFuzz {
    /// 4 megapixels: big enough for every header trick, small enough that ASan never runs out of memory.
    static let limits = Limits(maxPixels: 1 << 22)
    /// The pipeline encodes a PNG too; beyond this many pixels that costs more than it finds.
    static let pipelinePixels = 1 << 16

    static func run(_ data: Data) -> [FuzzResult] {
        var size: (width: Int, height: Int)?
        let decoded = attempt("decodeImage", expecting: { $0 is ImageError }) {
            let bitmap = try decodeImage(.data(data), limits: limits)
            size = (bitmap.width, bitmap.height)
            return "\(bitmap.width)x\(bitmap.height)x\(bitmap.channels)"
        }
        guard let size, size.width * size.height <= pipelinePixels else { return [decoded] }
        var piped: (width: Int, height: Int)?
        let pipeline = attempt("sepiaPipeline", expecting: { $0 is ImageError }) {
            let output = scratchDirectory.appendingPathComponent("out.png").path
            let result = try sepiaPipeline(input: .data(data), output: output, limits: limits)
            piped = (result.width, result.height)
            return "\(result.width)x\(result.height), \(result.bytesWritten) bytes of PNG"
        }
        var results = [decoded, pipeline]
        if piped?.width != size.width || piped?.height != size.height {
            results.append(.unexpected(step: "agreement", detail: "decodeImage gave \(decoded), the pipeline \(pipeline)"))
        }
        return results
    }

    /// Where the pipeline writes its PNG: one directory per process, reused by every input.
    static let scratchDirectory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imagery-fuzz-image-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
}
