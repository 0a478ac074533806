import CImageCodecs
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the pipeline reads an encoded image from.
public enum ImageSource: Sendable {
    /// A file on disk, read incrementally.
    case file(String)
    /// Bytes already in memory.
    case data(Data)

    /// The name used in error messages.
    var displayName: String {
        switch self {
        case .file(let path): return path
        case .data: return "<memory>"
        }
    }
}

/// An input opened and sniffed, borrowed by the decoders for the duration of one closure.
struct OpenedInput {
    var source: ic_source
    var format: ImageFormat
    var name: String
}

/// Opens `source`, identifies its format by magic bytes and runs `body` while the bytes are valid.
func withOpenedInput<T>(
    _ source: ImageSource,
    _ body: (OpenedInput) throws(ImageError) -> T
) throws(ImageError) -> T {
    switch source {
    case .file(let path):
        guard let file = fopen(path, "rb") else {
            throw .io(path: path, errno: errno)
        }
        defer { fclose(file) }
        var prefix = [UInt8](repeating: 0, count: ImageFormat.signatureLength)
        let got = fread(&prefix, 1, prefix.count, file)
        if got < prefix.count, ferror(file) != 0 {
            throw .io(path: path, errno: errno)
        }
        guard let format = ImageFormat.sniff(prefix.prefix(got)) else {
            throw .notAnImage
        }
        // The decoders expect the whole stream, signature included.
        if fseek(file, 0, SEEK_SET) != 0 {
            throw .io(path: path, errno: errno)
        }
        let input = OpenedInput(source: ic_source(file: file, data: nil, size: 0), format: format, name: path)
        return try body(input)
    case .data(let data):
        guard let format = ImageFormat.sniff(data.prefix(ImageFormat.signatureLength)) else {
            throw .notAnImage
        }
        // withUnsafeBytes only rethrows untyped errors, so the typed error travels in a Result.
        let result = data.withUnsafeBytes { raw -> Result<T, ImageError> in
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            let input = OpenedInput(
                source: ic_source(file: nil, data: base, size: raw.count),
                format: format,
                name: "<memory>"
            )
            return Result { () throws(ImageError) -> T in try body(input) }
        }
        return try result.get()
    }
}
