/// What the streaming pipeline produced.
public struct PipelineResult: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var hasAlpha: Bool
    public var bytesWritten: Int

    public init(width: Int, height: Int, hasAlpha: Bool, bytesWritten: Int) {
        self.width = width
        self.height = height
        self.hasAlpha = hasAlpha
        self.bytesWritten = bytesWritten
    }
}

/// Decodes `input`, applies Jimp's sepia and writes a PNG to `output`, a few rows at a time.
///
/// Memory stays proportional to the image width, except for EXIF orientations other than 1 and 2
/// and interlaced PNGs, which need the decoded image buffered. The pixel limit is checked from
/// the header before any pixel buffer exists. The PNG goes to a temporary file beside `output`
/// that is renamed over it only on success, so a failure leaves no partial file behind.
public func sepiaPipeline(
    input: ImageSource,
    output: String,
    limits: Limits = Limits(),
    settings: PNGEncoderSettings = .default
) throws(ImageError) -> PipelineResult {
    try withOpenedInput(input) { opened throws(ImageError) -> PipelineResult in
        let rows = try openRowSource(opened, limits: limits)
        let target = try AtomicOutputFile(path: output)
        let encoder = try PNGRowEncoder.begin(
            file: target.file, name: target.temporaryPath, width: rows.width, height: rows.height,
            channels: rows.channels, settings: settings
        )
        let stride = rows.width * rows.channels
        // A batch of ~256 KiB amortises the per-call overhead while staying cache-sized.
        let batch = max(1, min(rows.height, 262_144 / max(stride, 1)))
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: batch * stride)
        defer { buffer.deallocate() }
        var done = 0
        while done < rows.height {
            let got = try rows.readRows(into: buffer, stride: stride, maxRows: min(batch, rows.height - done))
            guard got > 0 else {
                throw .corrupt("decoder stopped after \(done) of \(rows.height) rows")
            }
            Sepia.apply(to: buffer, pixelCount: got * rows.width, channels: rows.channels)
            try encoder.write(rows: buffer, stride: stride, count: got)
            done += got
        }
        try encoder.finish()
        let written = encoder.bytesWritten
        try target.commit()
        return PipelineResult(width: rows.width, height: rows.height, hasAlpha: rows.channels == 4, bytesWritten: written)
    }
}
