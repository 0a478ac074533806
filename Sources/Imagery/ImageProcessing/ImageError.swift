#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an image could not be read, processed or written.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes start with neither the JPEG nor the PNG signature (the file name is never consulted).
    case notAnImage
    /// A JPEG or PNG variant this pipeline does not decode; the detail names it.
    case unsupportedFormat(String)
    /// The stream is malformed or truncated; the detail is the decoder's or encoder's message.
    case corrupt(String)
    /// The header declares more pixels than the configured limit; raised before any pixel buffer exists.
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// The operating system refused a read, write, create or rename of `path`.
    case io(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .notAnImage:
            return "not an image: the data starts with neither the JPEG (FF D8 FF) nor the PNG "
                + "(89 50 4E 47 0D 0A 1A 0A) signature; only JPEG and PNG uploads are accepted"
        case .unsupportedFormat(let detail):
            return "unsupported image format: \(detail)"
        case .corrupt(let detail):
            return "corrupt image: \(detail)"
        case .tooManyPixels(let width, let height, let limit):
            return "image too large: \(width)x\(height) is \(width * height) pixels, "
                + "the limit is \(limit); downscale the image before uploading"
        case .io(let path, let code):
            return "I/O error on '\(path)': \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}
