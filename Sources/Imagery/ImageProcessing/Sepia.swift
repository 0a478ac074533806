/// Jimp 0.16's `sepia()` reproduced bit for bit.
///
/// Jimp computes in float64 and each step feeds the next: green uses the new red, blue the new
/// red and green. Values are capped at 255 and truncated when stored into a Uint8 buffer.
/// Alpha is left untouched.
public enum Sepia {
    /// Maps one colour exactly as Jimp does.
    @inlinable
    public static func apply(red: UInt8, green: UInt8, blue: UInt8) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let r = Double(red)
        let g = Double(green)
        let b = Double(blue)
        // Operand order matters for bit-exactness: JS evaluates left to right, as does Swift.
        let r1 = r * 0.393 + g * 0.769 + b * 0.189
        let g1 = r1 * 0.349 + g * 0.686 + b * 0.168
        let b1 = r1 * 0.272 + g1 * 0.534 + b * 0.131
        return (store(r1), store(g1), store(b1))
    }

    /// Jimp's `v < 255 ? v : 255` followed by the Uint8 store, which truncates (v is never negative).
    @inlinable
    static func store(_ value: Double) -> UInt8 {
        UInt8(value < 255 ? value : 255)
    }

    /// Applies the filter in place to `pixelCount` pixels of `channels` (3 or 4) interleaved bytes.
    @inlinable
    public static func apply(to pixels: UnsafeMutablePointer<UInt8>, pixelCount: Int, channels: Int) {
        var p = pixels
        for _ in 0..<pixelCount {
            let out = apply(red: p[0], green: p[1], blue: p[2])
            p[0] = out.red
            p[1] = out.green
            p[2] = out.blue
            p += channels
        }
    }
}
