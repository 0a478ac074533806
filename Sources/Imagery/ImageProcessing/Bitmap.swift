import Foundation

/// A decoded image held in memory: 8-bit RGB or RGBA, rows top to bottom, no padding.
public struct Bitmap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 3 (RGB) or 4 (RGBA).
    public let channels: Int
    public var pixels: [UInt8]

    /// Wraps interleaved pixels; `pixels.count` must be width × height × channels.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 3 || channels == 4, "channels must be 3 or 4")
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * channels, "pixel count mismatch")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public var hasAlpha: Bool { channels == 4 }

    /// The channel values of one pixel.
    public func pixel(x: Int, y: Int) -> ArraySlice<UInt8> {
        let start = (y * width + x) * channels
        return pixels[start..<start + channels]
    }

    /// Applies Jimp's sepia in place.
    public mutating func applySepia() {
        let count = width * height
        let c = channels
        pixels.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress {
                Sepia.apply(to: base, pixelCount: count, channels: c)
            }
        }
    }

    /// A sepia copy.
    public func sepia() -> Bitmap {
        var copy = self
        copy.applySepia()
        return copy
    }
}

/// Decodes a whole JPEG or PNG (EXIF orientation applied) into memory.
public func decodeImage(_ source: ImageSource, limits: Limits = Limits()) throws(ImageError) -> Bitmap {
    try withOpenedInput(source) { input throws(ImageError) -> Bitmap in
        let rows = try openRowSource(input, limits: limits)
        let stride = rows.width * rows.channels
        var pixels = [UInt8](repeating: 0, count: stride * rows.height)
        let height = rows.height
        let result = pixels.withUnsafeMutableBufferPointer { buffer -> Result<Void, ImageError> in
            guard let base = buffer.baseAddress else { return .success(()) }
            return Result { () throws(ImageError) in
                var row = 0
                while row < height {
                    let got = try rows.readRows(into: base + row * stride, stride: stride, maxRows: height - row)
                    guard got > 0 else { throw .corrupt("decoder stopped after \(row) of \(height) rows") }
                    row += got
                }
            }
        }
        try result.get()
        return Bitmap(width: rows.width, height: rows.height, channels: rows.channels, pixels: pixels)
    }
}

/// Encodes a bitmap as an 8-bit PNG (RGB, or RGBA when it has alpha); `cores` as for `sepiaPipeline`,
/// serial by default.
public func encodePNG(_ bitmap: Bitmap, settings: PNGEncoderSettings = .default, cores: CoreBudget? = nil) throws(ImageError) -> Data {
    let encoder = try PNGRowEncoder.begin(
        file: nil, name: "<memory>", width: bitmap.width, height: bitmap.height,
        channels: bitmap.channels, settings: settings, budget: cores
    )
    let stride = bitmap.width * bitmap.channels
    let result = bitmap.pixels.withUnsafeBufferPointer { buffer -> Result<Void, ImageError> in
        guard let base = buffer.baseAddress else { return .success(()) }
        return Result { () throws(ImageError) in
            try encoder.write(rows: base, stride: stride, count: bitmap.height)
        }
    }
    try result.get()
    try encoder.finish()
    return encoder.data()
}
