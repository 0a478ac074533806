/// Resource limits applied from the image header, before pixel memory is allocated.
public struct Limits: Sendable, Equatable {
    /// Largest accepted width × height.
    public var maxPixels: Int

    public init(maxPixels: Int = 100_000_000) {
        self.maxPixels = maxPixels
    }

    /// Throws `tooManyPixels` when the declared size exceeds the limit.
    func check(width: Int, height: Int) throws(ImageError) {
        // Both are at most 2^32-1, so the product cannot overflow Int64.
        if width * height > maxPixels {
            throw .tooManyPixels(width: width, height: height, limit: maxPixels)
        }
    }
}
