import Foundation
import ImageryServer
import NIOCore

/// The server's upload path: `MultipartFileReceiver.boundary(contentType:)`, then a receiver
/// session fed the body, as `ImageController.upload` does with a request.
///
/// Input: the Content-Type header value up to the first LF (a trailing CR is dropped), then the
/// body. The body is parsed twice, in one chunk and in small chunks whose size varies with the
/// header line's length, and both must come to the same answer: how TCP splits a body must
/// never change what is accepted.
enum MultipartFuzz {
    /// The body limit of the fuzzed receiver; small, so the fuzzer also reaches the 413 path.
    static let maxBodyBytes = 2048

    static func run(_ data: Data) -> [FuzzResult] {
        let newline = data.firstIndex(of: 0x0A) ?? data.endIndex
        var line = data[data.startIndex..<newline]
        if line.last == 0x0D { line = line.dropLast() }
        let contentType = String(decoding: line, as: UTF8.self)
        let body = newline < data.endIndex ? data[data.index(after: newline)...] : Data()

        let boundary: String
        do {
            boundary = try MultipartFileReceiver.boundary(contentType: contentType)
        } catch {
            return [attempt("boundary", expecting: { _ in true }) { throw error }]
        }
        let whole = receive(body, boundary: boundary, chunkSize: max(body.count, 1))
        let chunked = receive(body, boundary: boundary, chunkSize: 1 + line.count % 37)
        var results = [whole.result, chunked.result]
        // How TCP splits a body must not change the answer: the value, or the refusal (faults are
        // reported in byte order, so even its message).
        if whole.answer != chunked.answer {
            results.append(.unexpected(step: "chunking", detail: "one chunk gave \(whole.result), small chunks gave \(chunked.result)"))
        }
        return results
    }

    static func receive(_ body: Data, boundary: String, chunkSize: Int) -> (result: FuzzResult, answer: String) {
        var answer = ""
        let result = attempt("receive", expecting: { error in
            guard let error = error as? APIError else { return false }
            answer = "\(error)"
            return true
        }) {
            guard let sink = FileHandle(forWritingAtPath: "/dev/null") else {
                throw FuzzSetupError(detail: "cannot open /dev/null")
            }
            defer { try? sink.close() }
            let session = MultipartFileReceiver.Session(MultipartFileReceiver(maxBodyBytes: maxBodyBytes), boundary: boundary, writingTo: sink)
            var offset = body.startIndex
            while offset < body.endIndex {
                let end = body.index(offset, offsetBy: chunkSize, limitedBy: body.endIndex) ?? body.endIndex
                try session.consume(ByteBuffer(bytes: body[offset..<end]))
                offset = end
            }
            let received = try session.finish()
            answer = "\(received.format) \(received.byteCount) bytes, file name \(received.fileName.debugDescription)"
            return answer
        }
        return (result, answer)
    }
}

/// The harness itself could not run (never the input's fault).
struct FuzzSetupError: Error, CustomStringConvertible {
    var detail: String
    var description: String { "fuzz harness: \(detail)" }
}
