import Dispatch
import ImageProcessing

/// Runs the CPU-bound sepia pipeline on a Dispatch thread, off Swift's cooperative pool, so that
/// heartbeats, receives and deletes keep their threads while every core is filtering.
public func runSepiaResult(input: String, output: String, limits: Limits) async -> Result<PipelineResult, ImageError> {
    await withCheckedContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(returning: Result { () throws(ImageError) -> PipelineResult in
                try sepiaPipeline(input: .file(input), output: output, limits: limits)
            })
        }
    }
}

extension ImageError {
    /// Whether retrying can never help: the bytes themselves are the problem. Only I/O on the
    /// worker's own disk is worth another attempt.
    public var isPermanent: Bool {
        if case .io = self { return false }
        return true
    }
}
