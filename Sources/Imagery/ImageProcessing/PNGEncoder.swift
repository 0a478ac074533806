import CImageCodecs
import Foundation

/// zlib and filter settings for PNG output.
public struct PNGEncoderSettings: Sendable, Equatable {
    /// zlib strategies.
    public enum Strategy: Int32, Sendable {
        case `default` = 0
        case filtered = 1
        case huffmanOnly = 2
        case rle = 3
    }

    /// PNG row filters; more than one means "pick per row" (smallest sum of absolute residuals).
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

    public enum Mode: Sendable, Equatable {
        /// Filters, level and strategy chosen for every ~512 KiB chunk from a sample of its rows:
        /// noisy chunks are Sub-filtered and Huffman-coded, the others Paeth-filtered and
        /// LZ77-matched at `smoothLevel`.
        case automatic(smoothLevel: Int, huffmanEntropy: Double)
        /// The same zlib level, strategy and filters for the whole image.
        case fixed(level: Int, strategy: Strategy, filters: Filters)
    }

    public var mode: Mode

    public init(mode: Mode) {
        self.mode = mode
    }

    /// Fixed settings for the whole image.
    public init(compressionLevel: Int, strategy: Strategy, filters: Filters) {
        mode = .fixed(level: min(max(compressionLevel, 0), 9), strategy: strategy, filters: filters)
    }

    /// The pipeline's choice; bench/RESULTS.md has the measurements behind it.
    public static let `default` = PNGEncoderSettings(mode: .automatic(smoothLevel: 1, huffmanEntropy: 6.0))

    func shimOptions(helpers: Int) -> ic_png_pz_options {
        var options = ic_png_pz_options()
        options.helpers = Int32(clamping: helpers)
        switch mode {
        case .automatic(let smoothLevel, let huffmanEntropy):
            options.level = -1
            options.smooth_level = Int32(min(max(smoothLevel, 1), 9))
            options.huffman_entropy = huffmanEntropy
        case .fixed(let level, let strategy, let filters):
            options.level = Int32(min(max(level, 0), 9))
            options.strategy = strategy.rawValue
            options.filters = filters.rawValue
        }
        return options
    }
}

/// The cores a process's image pipelines share (see `ic_cpu_budget` in CImageCodecs.h).
///
/// Each running pipeline counts as one job on its own thread. It compresses on extra helper
/// threads only with a lease, taken per ~512 KiB chunk while jobs + leases are fewer than the
/// cores; otherwise the pipeline's own thread compresses the chunk. A worker running as many jobs
/// as cores therefore never adds threads, and a lone job uses the idle cores.
public final class CoreBudget: @unchecked Sendable {
    // @unchecked: the C struct is only touched through atomics.
    let raw: OpaquePointer?
    /// Cores shared.
    public let cores: Int

    public init(cores: Int) {
        self.cores = max(1, cores)
        raw = ic_cpu_budget_create(Int32(clamping: self.cores))
    }

    deinit {
        ic_cpu_budget_destroy(raw)
    }

    /// The process-wide budget: every online core.
    public static let process = CoreBudget(cores: ProcessInfo.processInfo.activeProcessorCount)

    /// Pipelines running and helper leases held right now.
    public var usage: (jobs: Int, leases: Int) {
        var jobs: Int32 = 0
        var leases: Int32 = 0
        ic_cpu_budget_usage(raw, &jobs, &leases)
        return (Int(jobs), Int(leases))
    }

    /// Counts the calling thread as one running job while `body` runs.
    func job<T>(_ body: () throws(ImageError) -> T) throws(ImageError) -> T {
        ic_cpu_budget_job_begin(raw)
        defer { ic_cpu_budget_job_end(raw) }
        return try body()
    }
}

/// Row-at-a-time PNG writer (CImageCodecs' chunked parallel encoder), to a borrowed FILE or to memory.
final class PNGRowEncoder {
    private let encoder: OpaquePointer
    private let name: String
    /// Kept alive while the encoder may take leases from it.
    private let budget: CoreBudget?

    private init(encoder: OpaquePointer, name: String, budget: CoreBudget?) {
        self.encoder = encoder
        self.name = name
        self.budget = budget
    }

    deinit {
        ic_png_pz_encoder_destroy(encoder)
    }

    /// Starts an 8-bit RGB (3 channels) or RGBA (4 channels) image; `file` nil writes to memory.
    /// With a budget, up to cores - 1 helper threads compress while cores are idle; nil is serial.
    static func begin(
        file: UnsafeMutablePointer<FILE>?, name: String,
        width: Int, height: Int, channels: Int, settings: PNGEncoderSettings, budget: CoreBudget?
    ) throws(ImageError) -> PNGRowEncoder {
        var options = settings.shimOptions(helpers: budget.map { $0.cores - 1 } ?? 0)
        guard let raw = ic_png_pz_encoder_create(file, &options, budget?.raw) else {
            throw .corrupt("PNG encoder: out of memory")
        }
        let encoder = PNGRowEncoder(encoder: raw, name: name, budget: budget)
        guard let w = UInt32(exactly: width), let h = UInt32(exactly: height) else {
            throw .unsupportedFormat("PNG cannot store \(width)x\(height)")
        }
        try encoder.check(ic_png_pz_encoder_begin(raw, w, h, Int32(channels)))
        return encoder
    }

    func write(rows: UnsafePointer<UInt8>, stride: Int, count: Int) throws(ImageError) {
        try check(ic_png_pz_encoder_write_rows(encoder, rows, stride, UInt32(clamping: count)))
    }

    func finish() throws(ImageError) {
        try check(ic_png_pz_encoder_finish(encoder))
    }

    var bytesWritten: Int { Int(ic_png_pz_encoder_bytes_written(encoder)) }

    /// What the encoder did: chunks, chunks compressed by helpers, Huffman-only chunks.
    var statistics: PNGEncoderStatistics {
        var stats = ic_png_pz_stats()
        ic_png_pz_encoder_stats(encoder, &stats)
        return PNGEncoderStatistics(
            chunks: Int(stats.chunks), helperThreads: Int(stats.helper_threads), helperChunks: Int(stats.helper_chunks),
            huffmanChunks: Int(stats.huffman_chunks))
    }

    /// The encoded bytes of a memory encoder.
    func data() -> Data {
        var size = 0
        guard let bytes = ic_png_pz_encoder_memory(encoder, &size) else { return Data() }
        return Data(bytes: bytes, count: size)
    }

    private func check(_ status: Int32) throws(ImageError) {
        guard status != ShimStatus.ok.rawValue else { return }
        let message = String(cString: ic_png_pz_encoder_message(encoder))
        throw shimError(status, format: "PNG encoder", message: message, path: name, errno: ic_png_pz_encoder_errno(encoder))
    }
}

/// How a PNG was compressed (for tests and benchmarks).
public struct PNGEncoderStatistics: Sendable, Equatable {
    /// Independently compressed pieces of the zlib stream.
    public var chunks: Int
    /// Helper threads started: one per idle core (at most cores - 1) when the image began.
    public var helperThreads: Int
    /// Of the chunks, compressed on a helper thread (while it had a core; the pipeline's own thread
    /// compresses the rest).
    public var helperChunks: Int
    /// Of those, Sub-filtered and Huffman-coded (judged noisy).
    public var huffmanChunks: Int
}
