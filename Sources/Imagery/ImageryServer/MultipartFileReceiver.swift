import Foundation
import ImageProcessing
import MultipartKit
import NIOCore

/// Receives the `file` field of a multipart/form-data body into a spool file, checking as it goes.
///
/// The body is never held in memory: chunks go to disk as they arrive. The first bytes of the
/// file are sniffed as soon as they are in, so a non-image is refused (415) before the rest is
/// read, and a body longer than the limit is refused (413) at the byte that crosses it.
public struct MultipartFileReceiver: Sendable {
    /// What was received.
    public struct Received: Sendable, Equatable {
        public var format: ImageFormat
        public var byteCount: Int
        /// The file name the client sent, if any (informational only; never trusted for the format).
        public var fileName: String?
    }

    /// The form field that carries the image.
    public var fieldName: String
    /// The largest accepted request body in bytes.
    public var maxBodyBytes: Int

    public init(fieldName: String = "file", maxBodyBytes: Int) {
        self.fieldName = fieldName
        self.maxBodyBytes = maxBodyBytes
    }

    /// The boundary parameter of a multipart/form-data Content-Type, or an `APIError` (400).
    public static func boundary(contentType: String?) throws(APIError) -> String {
        guard let contentType else {
            throw APIError(.badRequest, code: "malformed_multipart", message: "missing Content-Type; send multipart/form-data with a 'file' field")
        }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = parts.first, type.lowercased() == "multipart/form-data" else {
            throw APIError(.badRequest, code: "malformed_multipart", message: "Content-Type is \(contentType.debugDescription); expected multipart/form-data with a 'file' field")
        }
        for parameter in parts.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else { continue }
            guard parameter[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = parameter[parameter.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            guard (1...70).contains(value.utf8.count) else { break }
            return value
        }
        throw APIError(.badRequest, code: "malformed_multipart", message: "multipart/form-data Content-Type without a valid boundary parameter")
    }

    /// Streams `body` and writes the `file` field's bytes to `destination` (created or truncated).
    public func receive<Body: AsyncSequence>(
        _ body: Body, boundary: String, to destination: URL
    ) async throws -> Received where Body.Element == ByteBuffer {
        guard FileManager.default.createFile(atPath: destination.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path])
        }
        let handle = try FileHandle(forWritingTo: destination)
        defer { try? handle.close() }
        let session = Session(self, boundary: boundary, writingTo: handle)
        for try await chunk in body {
            try session.consume(chunk)
        }
        return try session.finish()
    }

    /// One upload being parsed: the synchronous core of `receive`, fed the body chunk by chunk.
    ///
    /// It needs no request and no spool path, only a handle to write the file's bytes to, so the
    /// parsing can be driven directly (the fuzz target feeds it arbitrary bytes). Stop at the first
    /// error: every error is an `APIError` (400, 413, 415) or, for a failed write, the write's error.
    public final class Session {
        private let receiver: MultipartFileReceiver
        private let state: ParseState
        private let parser: MultipartParser
        private var headerNames: HeaderNameGuard
        private var total = 0

        public init(_ receiver: MultipartFileReceiver, boundary: String, writingTo handle: FileHandle) {
            self.receiver = receiver
            let state = ParseState(fieldName: receiver.fieldName, handle: handle)
            let parser = MultipartParser(boundary: boundary)
            parser.onHeader = { name, value in state.header(name: name, value: value) }
            parser.onBody = { buffer in state.body(&buffer) }
            parser.onPartComplete = { state.partComplete() }
            self.state = state
            self.parser = parser
            self.headerNames = HeaderNameGuard(boundary: boundary)
        }

        /// Parses the next chunk of the body.
        ///
        /// Faults are reported in byte order, whatever the chunking: the bytes before the first
        /// fault are parsed, so the same body always gets the same answer, however TCP splits it.
        public func consume(_ chunk: ByteBuffer) throws {
            let remaining = max(receiver.maxBodyBytes - total, 0)
            let crossesLimit = chunk.readableBytes > remaining
            var bytes = crossesLimit ? chunk.getSlice(at: chunk.readerIndex, length: remaining) ?? ByteBuffer() : chunk
            total += bytes.readableBytes
            let badHeaderName = headerNames.firstViolation(in: bytes.readableBytesView)
            if let badHeaderName {
                bytes = bytes.getSlice(at: bytes.readerIndex, length: badHeaderName.offset) ?? ByteBuffer()
            }
            do {
                try parser.execute(bytes)
            } catch {
                // A fault the callbacks recorded lies before the syntax error.
                if let failure = state.failure { throw failure }
                throw APIError(.badRequest, code: "malformed_multipart", message: "the multipart body is malformed (bad part headers)")
            }
            if let failure = state.failure { throw failure }
            if let badHeaderName {
                throw APIError(
                    .badRequest, code: "malformed_multipart",
                    message: "a part header name contains the non-ASCII byte 0x\(String(badHeaderName.byte, radix: 16)); header names are ASCII tokens (RFC 7230)")
            }
            if crossesLimit {
                throw APIError(.contentTooLarge, code: "too_large", message: "the upload exceeds the limit of \(receiver.maxBodyBytes) bytes")
            }
        }

        /// Ends the body: what was received, or why it is not an acceptable upload.
        public func finish() throws -> Received {
            if let failure = state.failure { throw failure }
            guard state.fileComplete else {
                let detail = state.fileStarted ? "the body ends inside the 'file' part (no closing boundary)" : "no '\(receiver.fieldName)' field in the form"
                throw APIError(.badRequest, code: "malformed_multipart", message: "malformed upload: \(detail)")
            }
            // A file shorter than any signature never reached the sniff in `body`.
            guard let format = state.format ?? state.sniffNow() else { throw state.failure ?? ParseState.notAnImage }
            return Received(format: format, byteCount: state.fileBytes, fileName: state.fileName)
        }
    }
}

/// The parser's callbacks share this; it lives and dies inside one `receive` call.
private final class ParseState {
    static let notAnImage = APIError(
        .unsupportedMediaType, code: "unsupported_media_type",
        message: "the file is neither a JPEG nor a PNG (judged by its first bytes, not its name or Content-Type)")

    let fieldName: String
    let handle: FileHandle
    var headers: [(String, String)] = []
    var inFile = false
    var fileStarted = false
    var fileComplete = false
    var fileName: String?
    var fileBytes = 0
    var prefix: [UInt8] = []
    var format: ImageFormat?
    var failure: (any Error)?
    var pending = Data()

    init(fieldName: String, handle: FileHandle) {
        self.fieldName = fieldName
        self.handle = handle
    }

    func header(name: String, value: String) {
        headers.append((name, value))
    }

    /// Decides whether the current part is the file, once its headers are complete: at its first body
    /// bytes, or at its end when it has none (an empty file gets no body callback at all).
    func recognizeFilePart() {
        guard !inFile && !fileComplete && !fileStarted else { return }
        if let disposition = headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
            Self.parameter("name", in: disposition) == fieldName
        {
            inFile = true
            fileStarted = true
            fileName = Self.parameter("filename", in: disposition)
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        recognizeFilePart()
        guard inFile, failure == nil else { return }
        let bytes = buffer.readableBytesView
        fileBytes += bytes.count
        if format == nil {
            prefix.append(contentsOf: bytes.prefix(ImageFormat.signatureLength - prefix.count))
            if prefix.count >= ImageFormat.signatureLength, sniffNow() == nil { return }
        }
        // The parser hands over a slice per CR byte (every ~256 bytes of binary data): batch the
        // slices so the disk sees 64 KiB writes instead of one syscall per slice.
        pending.append(contentsOf: bytes)
        if pending.count >= 65_536 { flush() }
    }

    func flush() {
        guard !pending.isEmpty, failure == nil else { return }
        do {
            try handle.write(contentsOf: pending)
        } catch {
            failure = error
        }
        pending.removeAll(keepingCapacity: true)
    }

    func partComplete() {
        recognizeFilePart()
        if inFile {
            flush()
            inFile = false
            fileComplete = true
        }
        headers = []
    }

    /// Sniffs what has arrived; records the 415 when it is not an image.
    func sniffNow() -> ImageFormat? {
        if let format { return format }
        format = ImageFormat.sniff(prefix)
        if format == nil { failure = Self.notAnImage }
        return format
    }

    /// A parameter of a Content-Disposition value (`form-data; name="file"; filename="a.jpg"`).
    static func parameter(_ wanted: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            guard trimmed[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == wanted else { continue }
            var result = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if result.count >= 2, result.hasPrefix("\""), result.hasSuffix("\"") { result = String(result.dropFirst().dropLast()) }
            return result
        }
        return nil
    }
}

/// Finds a non-ASCII byte in a part's header name before MultipartKit's parser sees it.
///
/// multipart-kit 4.7.1 looks each header-name byte up in a 128-entry table
/// (`UInt8.isAllowedHeaderFieldNameCharacter`), so a byte from 0x80 up traps and takes the whole
/// server down (found by fuzz-multipart; reproducer in Fuzz/regressions/multipart/). This follows
/// the parser's states over the raw bytes — preamble, delimiter, header lines, body — just far
/// enough to know when a header name is being read. Where the parser would reject the syntax
/// anyway it stops looking and leaves the 400 to the parser.
struct HeaderNameGuard {
    private enum State {
        /// Looking for the delimiter; `matched` bytes of it seen. The preamble also accepts it without the leading CRLF.
        case searching(matched: Int, preamble: Bool)
        /// Right after a delimiter: CR starts a part, `-` ends the body.
        case afterDelimiter
        case delimiterLF
        /// In a header name; `empty` until its first byte.
        case name(empty: Bool)
        case value
        case valueLF
        case headersEndLF
        /// The epilogue, or syntax the parser refuses on its own.
        case done
    }

    private let delimiter: [UInt8]
    private var state = State.searching(matched: 0, preamble: true)

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// The first non-ASCII header-name byte in `bytes` (its offset from their start), or nil; the
    /// state carries over to the next chunk.
    mutating func firstViolation(in bytes: ByteBufferView) -> (offset: Int, byte: UInt8)? {
        for (offset, byte) in bytes.enumerated() {
            switch state {
            case .searching(let matched, let preamble):
                if byte == delimiter[matched] {
                    state = matched + 1 == delimiter.count ? .afterDelimiter : .searching(matched: matched + 1, preamble: preamble)
                } else if preamble && matched == 0 && byte == UInt8(ascii: "-") {
                    state = .searching(matched: 3, preamble: true)
                } else {
                    state = .searching(matched: byte == UInt8(ascii: "\r") ? 1 : 0, preamble: preamble)
                }
            case .afterDelimiter:
                state = byte == UInt8(ascii: "\r") ? .delimiterLF : .done
            case .delimiterLF:
                state = byte == UInt8(ascii: "\n") ? .name(empty: true) : .done
            case .name(let empty):
                if byte == UInt8(ascii: ":") && !empty {
                    state = .value
                } else if byte == UInt8(ascii: "\r") && empty {
                    state = .headersEndLF
                } else if byte >= 0x80 {
                    return (offset, byte)
                } else {
                    state = .name(empty: false)
                }
            case .value:
                if byte == UInt8(ascii: "\r") { state = .valueLF }
            case .valueLF:
                state = byte == UInt8(ascii: "\n") ? .name(empty: true) : .done
            case .headersEndLF:
                state = byte == UInt8(ascii: "\n") ? .searching(matched: 0, preamble: false) : .done
            case .done:
                return nil
            }
        }
        return nil
    }
}
