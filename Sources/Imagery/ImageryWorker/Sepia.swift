import Dispatch
import ImageProcessing

/// Runs the CPU-bound sepia pipeline on a Dispatch thread, off Swift's cooperative pool, so that
/// heartbeats, receives and deletes keep their threads while every core is filtering.
///
/// Every job's pipeline shares `cores` (the process's by default): while it runs it counts as one
/// job, and its PNG encoder borrows helper threads only for cores that no other pipeline is using.
/// A worker running as many jobs as cores (the default concurrency, see JobSlots) so compresses
/// each image on its job's thread alone; a worker with one job in flight, or whose other jobs are
/// downloading or uploading, spreads that image over the idle cores. A job that starts while
/// another image holds a helper waits for nothing: the helper gives its core back after the chunk
/// (~512 KiB, milliseconds) it is compressing.
public func runSepiaResult(input: String, output: String, limits: Limits, cores: CoreBudget = .process) async -> Result<PipelineResult, ImageError> {
    await withCheckedContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(returning: Result { () throws(ImageError) -> PipelineResult in
                try sepiaPipeline(input: .file(input), output: output, limits: limits, cores: cores)
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
