import CImageCodecs

/// Status codes of the C shim (mirrors `ic_status`).
enum ShimStatus: Int32 {
    case ok = 0
    case corrupt = 1
    case unsupported = 2
    case outOfMemory = 3
    case io = 4
    case state = 5
}

/// Turns a shim status and message into the public error.
func shimError(_ status: Int32, format: String, message: String, path: String, errno code: Int32) -> ImageError {
    switch ShimStatus(rawValue: status) {
    case .unsupported:
        return .unsupportedFormat("\(format): \(message)")
    case .io:
        return .io(path: path, errno: code)
    case .outOfMemory:
        return .corrupt("\(format): out of memory (\(message))")
    case .state:
        return .corrupt("\(format): decoder used after an earlier failure (\(message))")
    case .ok, .corrupt, .none:
        return .corrupt("\(format): \(message.isEmpty ? "malformed data" : message)")
    }
}

/// A decoder that hands out 8-bit RGB (3) or RGBA (4) rows from top to bottom.
protocol RowSource: AnyObject {
    var width: Int { get }
    var height: Int { get }
    var channels: Int { get }
    /// Writes up to `maxRows` rows, `stride` bytes apart, and returns how many; 0 only at the end.
    func readRows(into buffer: UnsafeMutablePointer<UInt8>, stride: Int, maxRows: Int) throws(ImageError) -> Int
}

/// Streams RGB rows out of libjpeg-turbo.
final class JPEGRowSource: RowSource {
    private let decoder: OpaquePointer
    private let name: String
    private(set) var width = 0
    private(set) var height = 0
    let channels = 3
    private(set) var orientation = ExifOrientation.up

    private init(decoder: OpaquePointer, name: String) {
        self.decoder = decoder
        self.name = name
    }

    deinit {
        ic_jpeg_decoder_destroy(decoder)
    }

    /// Reads the header, enforces the pixel limit, then starts decompression.
    static func open(_ input: OpenedInput, limits: Limits) throws(ImageError) -> JPEGRowSource {
        guard let raw = ic_jpeg_decoder_create() else {
            throw .corrupt("JPEG: out of memory creating the decoder")
        }
        let source = JPEGRowSource(decoder: raw, name: input.name)
        var info = ic_jpeg_info()
        var shimSource = input.source
        try source.check(ic_jpeg_decoder_read_header(raw, &shimSource, &info))
        source.width = Int(info.width)
        source.height = Int(info.height)
        try limits.check(width: source.width, height: source.height)
        var exif: UnsafePointer<UInt8>?
        var exifSize = 0
        if ic_jpeg_decoder_exif(raw, &exif, &exifSize) == 1, let exif {
            let tiff = UnsafeBufferPointer(start: exif, count: exifSize)
            source.orientation = ExifOrientation.parse(tiff: tiff) ?? .up
        }
        try source.check(ic_jpeg_decoder_start(raw))
        return source
    }

    func readRows(into buffer: UnsafeMutablePointer<UInt8>, stride: Int, maxRows: Int) throws(ImageError) -> Int {
        var got: UInt32 = 0
        try check(ic_jpeg_decoder_read_rows(decoder, buffer, stride, UInt32(clamping: maxRows), &got))
        return Int(got)
    }

    private func check(_ status: Int32) throws(ImageError) {
        guard status != ShimStatus.ok.rawValue else { return }
        let message = String(cString: ic_jpeg_decoder_message(decoder))
        throw shimError(status, format: "JPEG", message: message, path: name, errno: 0)
    }
}

/// Streams normalised 8-bit RGB/RGBA rows out of libpng.
final class PNGRowSource: RowSource {
    private let decoder: OpaquePointer
    private let name: String
    private(set) var width = 0
    private(set) var height = 0
    private(set) var channels = 3

    private init(decoder: OpaquePointer, name: String) {
        self.decoder = decoder
        self.name = name
    }

    deinit {
        ic_png_decoder_destroy(decoder)
    }

    /// Reads up to the first IDAT, enforces the pixel limit, then sets up the transforms.
    static func open(_ input: OpenedInput, limits: Limits) throws(ImageError) -> PNGRowSource {
        var shimSource = input.source
        guard let raw = ic_png_decoder_create(&shimSource) else {
            throw .corrupt("PNG: out of memory creating the decoder")
        }
        let source = PNGRowSource(decoder: raw, name: input.name)
        var info = ic_png_info()
        try source.check(ic_png_decoder_read_header(raw, &info))
        source.width = Int(info.width)
        source.height = Int(info.height)
        try limits.check(width: source.width, height: source.height)
        var channels: Int32 = 0
        try source.check(ic_png_decoder_start(raw, &channels))
        source.channels = Int(channels)
        return source
    }

    func readRows(into buffer: UnsafeMutablePointer<UInt8>, stride: Int, maxRows: Int) throws(ImageError) -> Int {
        var got: UInt32 = 0
        try check(ic_png_decoder_read_rows(decoder, buffer, stride, UInt32(clamping: maxRows), &got))
        return Int(got)
    }

    private func check(_ status: Int32) throws(ImageError) {
        guard status != ShimStatus.ok.rawValue else { return }
        let message = String(cString: ic_png_decoder_message(decoder))
        throw shimError(status, format: "PNG", message: message, path: name, errno: ic_png_decoder_errno(decoder))
    }
}

/// Applies an EXIF orientation on top of another source.
///
/// A horizontal mirror is done row by row; every other orientation needs rows from the far end
/// of the image, so the decoded image is buffered once (its size was already checked against the
/// pixel limit).
final class OrientedRowSource: RowSource {
    private let base: RowSource
    private let orientation: ExifOrientation
    let width: Int
    let height: Int
    var channels: Int { base.channels }
    private var image: UnsafeMutableBufferPointer<UInt8>?
    private var nextRow = 0

    init(base: RowSource, orientation: ExifOrientation) {
        self.base = base
        self.orientation = orientation
        width = orientation.swapsDimensions ? base.height : base.width
        height = orientation.swapsDimensions ? base.width : base.height
    }

    deinit {
        image?.deallocate()
    }

    func readRows(into buffer: UnsafeMutablePointer<UInt8>, stride: Int, maxRows: Int) throws(ImageError) -> Int {
        switch orientation {
        case .up:
            return try base.readRows(into: buffer, stride: stride, maxRows: maxRows)
        case .upMirrored:
            let rows = try base.readRows(into: buffer, stride: stride, maxRows: maxRows)
            for row in 0..<rows {
                mirror(buffer + row * stride)
            }
            return rows
        default:
            let source = try loadImage()
            let c = channels
            let rows = min(maxRows, height - nextRow)
            let sourceStride = base.width * c
            for row in 0..<rows {
                let y = nextRow + row
                var out = buffer + row * stride
                for x in 0..<width {
                    let from = orientation.sourceCoordinate(x: x, y: y, width: base.width, height: base.height)
                    let offset = from.y * sourceStride + from.x * c
                    for channel in 0..<c {
                        out[channel] = source[offset + channel]
                    }
                    out += c
                }
            }
            nextRow += rows
            return rows
        }
    }

    private func mirror(_ row: UnsafeMutablePointer<UInt8>) {
        let c = channels
        var left = 0
        var right = width - 1
        while left < right {
            for channel in 0..<c {
                let a = row[left * c + channel]
                row[left * c + channel] = row[right * c + channel]
                row[right * c + channel] = a
            }
            left += 1
            right -= 1
        }
    }

    private func loadImage() throws(ImageError) -> UnsafeMutableBufferPointer<UInt8> {
        if let image { return image }
        let stride = base.width * base.channels
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: stride * base.height)
        image = buffer
        guard let start = buffer.baseAddress else { return buffer }
        var row = 0
        while row < base.height {
            let got = try base.readRows(into: start + row * stride, stride: stride, maxRows: base.height - row)
            guard got > 0 else {
                throw .corrupt("decoder stopped after \(row) of \(base.height) rows")
            }
            row += got
        }
        return buffer
    }
}

/// Opens the right decoder for the sniffed format, with JPEG EXIF orientation applied.
func openRowSource(_ input: OpenedInput, limits: Limits) throws(ImageError) -> RowSource {
    switch input.format {
    case .jpeg:
        let jpeg = try JPEGRowSource.open(input, limits: limits)
        return jpeg.orientation == .up ? jpeg : OrientedRowSource(base: jpeg, orientation: jpeg.orientation)
    case .png:
        // Jimp only reads EXIF from JPEG, so PNG eXIf chunks are ignored here too.
        return try PNGRowSource.open(input, limits: limits)
    }
}
