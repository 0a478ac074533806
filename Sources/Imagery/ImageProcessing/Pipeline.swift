/// What the streaming pipeline produced.
public struct PipelineResult: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var hasAlpha: Bool
    public var bytesWritten: Int
    /// How the PNG was compressed.
    public var encoder: PNGEncoderStatistics

    public init(width: Int, height: Int, hasAlpha: Bool, bytesWritten: Int, encoder: PNGEncoderStatistics) {
        self.width = width
        self.height = height
        self.hasAlpha = hasAlpha
        self.bytesWritten = bytesWritten
        self.encoder = encoder
    }
}

/// Decodes `input`, applies Jimp's sepia and writes a PNG to `output`, a few rows at a time.
///
/// Memory stays proportional to the image width, except for EXIF orientations other than 1 and 2
/// and interlaced PNGs, which need the decoded image buffered. The pixel limit is checked from
/// the header before any pixel buffer exists. The PNG goes to a temporary file beside `output`
/// that is renamed over it only on success, so a failure leaves no partial file behind.
///
/// The PNG is compressed in ~512 KiB chunks; with a `cores` budget, chunks go to helper threads
/// while cores are idle (the pipeline counts as one job of the budget while it runs), so memory
/// stays bounded by a few chunks per helper. `nil` compresses everything on the calling thread.
/// The bytes written are the same either way.
public func sepiaPipeline(
    input: ImageSource,
    output: String,
    limits: Limits = Limits(),
    settings: PNGEncoderSettings = .default,
    cores: CoreBudget? = .process
) throws(ImageError) -> PipelineResult {
    if let cores {
        return try cores.job { () throws(ImageError) -> PipelineResult in
            try sepiaPipelineBody(input: input, output: output, limits: limits, settings: settings, cores: cores)
        }
    }
    return try sepiaPipelineBody(input: input, output: output, limits: limits, settings: settings, cores: nil)
}

private func sepiaPipelineBody(
    input: ImageSource, output: String, limits: Limits, settings: PNGEncoderSettings, cores: CoreBudget?
) throws(ImageError) -> PipelineResult {
    try withOpenedInput(input) { opened throws(ImageError) -> PipelineResult in
        let rows = try openRowSource(opened, limits: limits)
        let target = try AtomicOutputFile(path: output)
        let encoder = try PNGRowEncoder.begin(
            file: target.file, name: target.temporaryPath, width: rows.width, height: rows.height,
            channels: rows.channels, settings: settings, budget: cores
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
        return PipelineResult(
            width: rows.width, height: rows.height, hasAlpha: rows.channels == 4, bytesWritten: written,
            encoder: encoder.statistics)
    }
}
