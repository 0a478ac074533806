/// The container formats the pipeline decodes, recognised by their leading bytes.
public enum ImageFormat: String, Sendable, Equatable {
    case jpeg
    case png

    /// Bytes needed to recognise any supported format.
    public static let signatureLength = 8

    private static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]
    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Identifies the format from the first bytes, or nil for anything else (names are never trusted).
    public static func sniff<Bytes: Collection>(_ prefix: Bytes) -> ImageFormat? where Bytes.Element == UInt8 {
        if prefix.starts(with: pngSignature) {
            return .png
        }
        if prefix.starts(with: jpegSignature) {
            return .jpeg
        }
        return nil
    }
}
