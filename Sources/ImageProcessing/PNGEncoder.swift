import CImageCodecs
import Foundation

/// zlib and filter settings for PNG output.
public struct PNGEncoderSettings: Sendable, Equatable {
    /// zlib strategies libpng can pass through.
    public enum Strategy: Int32, Sendable {
        case `default` = 0
        case filtered = 1
        case huffmanOnly = 2
        case rle = 3
    }

    /// PNG row filters libpng may choose from; more than one means "pick per row".
    public struct Filters: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let none = Filters(rawValue: Int32(IC_PNG_FILTER_NONE))
        public static let sub = Filters(rawValue: Int32(IC_PNG_FILTER_SUB))
        public static let up = Filters(rawValue: Int32(IC_PNG_FILTER_UP))
        public static let average = Filters(rawValue: Int32(IC_PNG_FILTER_AVG))
        public static let paeth = Filters(rawValue: Int32(IC_PNG_FILTER_PAETH))
        public static let all: Filters = [.none, .sub, .up, .average, .paeth]
    }

    /// zlib level 0...9.
    public var compressionLevel: Int
    public var strategy: Strategy
    public var filters: Filters

    public init(compressionLevel: Int, strategy: Strategy, filters: Filters) {
        self.compressionLevel = compressionLevel
        self.strategy = strategy
        self.filters = filters
    }

    /// The pipeline's choice; see the package README for the measurements behind it.
    public static let `default` = PNGEncoderSettings(compressionLevel: 4, strategy: .default, filters: .all)

    var shimOptions: ic_png_options {
        ic_png_options(level: Int32(min(max(compressionLevel, 0), 9)), strategy: strategy.rawValue, filters: filters.rawValue)
    }
}

/// Row-at-a-time PNG writer over libpng, to a borrowed FILE or to memory.
final class PNGRowEncoder {
    private let encoder: OpaquePointer
    private let name: String

    private init(encoder: OpaquePointer, name: String) {
        self.encoder = encoder
        self.name = name
    }

    deinit {
        ic_png_encoder_destroy(encoder)
    }

    /// Starts an 8-bit RGB (3 channels) or RGBA (4 channels) image; `file` nil writes to memory.
    static func begin(
        file: UnsafeMutablePointer<FILE>?, name: String,
        width: Int, height: Int, channels: Int, settings: PNGEncoderSettings
    ) throws(ImageError) -> PNGRowEncoder {
        guard let raw = ic_png_encoder_create(file) else {
            throw .corrupt("PNG encoder: out of memory")
        }
        let encoder = PNGRowEncoder(encoder: raw, name: name)
        guard let w = UInt32(exactly: width), let h = UInt32(exactly: height) else {
            throw .unsupportedFormat("PNG cannot store \(width)x\(height)")
        }
        var options = settings.shimOptions
        try encoder.check(ic_png_encoder_begin(raw, w, h, Int32(channels), &options))
        return encoder
    }

    func write(rows: UnsafePointer<UInt8>, stride: Int, count: Int) throws(ImageError) {
        try check(ic_png_encoder_write_rows(encoder, rows, stride, UInt32(clamping: count)))
    }

    func finish() throws(ImageError) {
        try check(ic_png_encoder_finish(encoder))
    }

    var bytesWritten: Int { Int(ic_png_encoder_bytes_written(encoder)) }

    /// The encoded bytes of a memory encoder.
    func data() -> Data {
        var size = 0
        guard let bytes = ic_png_encoder_memory(encoder, &size) else { return Data() }
        return Data(bytes: bytes, count: size)
    }

    private func check(_ status: Int32) throws(ImageError) {
        guard status != ShimStatus.ok.rawValue else { return }
        let message = String(cString: ic_png_encoder_message(encoder))
        throw shimError(status, format: "PNG encoder", message: message, path: name, errno: ic_png_encoder_errno(encoder))
    }
}
