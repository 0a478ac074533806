import CCurl
import Foundation

/// `HTTPTransport` over libcurl's easy interface, one transfer per thread, connections kept alive in a
/// pool of easy handles.
///
/// Why not URLSession: on Linux, FoundationNetworking keeps the write-readiness source of a socket
/// after libcurl has asked for read readiness only, so every request spins a core while it waits for
/// its response (measured: an idle worker long-polling SQS used 0.67 CPU-seconds per second; a deploy
/// burned 0.49 s of CPU in 0.75 s). This transport blocks in `curl_easy_perform` on its own thread
/// instead, and uses no CPU while it waits. `URLSessionTransport` (in the tests) passes the
/// same transport tests.
public struct CurlTransport: HTTPTransport {
    /// The timeout of a request that names none: the whole exchange for `send`, the longest silence
    /// for file transfers (which may legitimately take longer than this in total).
    public let defaultTimeout: Duration
    let pool: CurlHandlePool

    /// Why libcurl cannot be used (not installed, too old), or nil once it is loaded. The first call
    /// loads it; services call this at start so that a missing library stops them at once instead of
    /// failing every request.
    public static var unavailableReason: String? {
        imagery_curl_load() == 1 ? nil : String(cString: imagery_curl_load_error())
    }

    /// Each transport (and its copies) keeps its own connections, as each URLSession did.
    public init(timeout: Duration = .seconds(60)) {
        self.defaultTimeout = timeout
        self.pool = CurlHandlePool()
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let hasBody = !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method)
        return try await perform(request, upload: hasBody ? .memory(request.body) : nil, download: nil)
    }

    public func upload(_ request: HTTPRequest, fromFile file: URL) async throws -> HTTPResponse {
        let handle: FileHandle
        let size: Int64
        do {
            handle = try FileHandle(forReadingFrom: file)
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw TransportError(kind: .invalidRequest, method: request.method, url: request.url,
                                 detail: "cannot read \(file.path): \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        return try await perform(request, upload: .file(handle, size: size), download: nil)
    }

    public func download(_ request: HTTPRequest, to destination: URL) async throws -> HTTPResponse {
        try await perform(request, upload: nil, download: destination)
    }

    enum UploadSource {
        case memory(Data)
        case file(FileHandle, size: Int64)

        var isFile: Bool {
            if case .file = self { return true }
            return false
        }
    }

    func perform(_ request: HTTPRequest, upload: UploadSource?, download: URL?) async throws -> HTTPResponse {
        let transfer = CurlTransfer(request: request, upload: upload, download: download)
        let timeout = request.timeout ?? defaultTimeout
        // File transfers may legitimately run long: for them the timeout bounds silence, not the whole exchange.
        let idle = upload?.isFile == true || download != nil
        let pool = self.pool
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try transfer.run(pool: pool, timeout: timeout, idleTimeout: idle) })
                }
                thread.name = "curl \(request.method)"
                thread.start()
            }
        } onCancel: {
            transfer.cancel()
        }
    }
}

/// Easy handles kept for their live connections (libcurl caches connections per handle).
final class CurlHandlePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [UnsafeMutableRawPointer] = []
    private let limit = 32

    deinit {
        for handle in idle { imagery_curl_easy_cleanup(handle) }
    }

    func take() -> UnsafeMutableRawPointer? {
        if let handle = lock.withLock({ idle.popLast() }) {
            imagery_curl_easy_reset(handle)
            return handle
        }
        return imagery_curl_easy_init()
    }

    func give(_ handle: UnsafeMutableRawPointer) {
        let kept = lock.withLock { () -> Bool in
            guard idle.count < limit else { return false }
            idle.append(handle)
            return true
        }
        if !kept { imagery_curl_easy_cleanup(handle) }
    }
}

/// One request's state, shared with libcurl's callbacks on the transfer thread; `cancel` comes from elsewhere.
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPRequest
    let upload: CurlTransport.UploadSource?
    let destination: URL?

    private let lock = NSLock()
    private var cancelled = false

    // Touched only on the transfer thread.
    var handle: UnsafeMutableRawPointer?
    var uploadOffset = 0
    var body = Data()
    var headers: [HTTPHeader] = []
    var temporaryFile: URL?
    var output: FileHandle?
    var localError: String?

    init(request: HTTPRequest, upload: CurlTransport.UploadSource?, download: URL?) {
        self.request = request
        self.upload = upload
        self.destination = download
    }

    func cancel() { lock.withLock { cancelled = true } }
    var isCancelled: Bool { lock.withLock { cancelled } }

    func fail(_ kind: TransportError.Kind, _ detail: String) -> TransportError {
        TransportError(kind: kind, method: request.method, url: request.url, detail: detail)
    }

    /// Performs the whole exchange on the calling thread.
    func run(pool: CurlHandlePool, timeout: Duration, idleTimeout: Bool) throws -> HTTPResponse {
        if isCancelled { throw CancellationError() }
        // libcurl is opened on first use (see CCurl.h): commands that send nothing never load it.
        if let reason = CurlTransport.unavailableReason { throw fail(.unavailable, reason) }
        guard let handle = pool.take() else { throw fail(.other, "curl_easy_init failed") }
        self.handle = handle
        defer {
            self.handle = nil
            pool.give(handle)
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { imagery_curl_slist_free_all(headerList) }
        defer { discardTemporaryFile() }

        let context = Unmanaged.passUnretained(self).toOpaque()
        var ok = true
        func set(_ code: CURLcode) { ok = ok && code == CURLE_OK }
        set(imagery_curl_set_string(handle, CURLOPT_URL, request.url.absoluteString))
        set(imagery_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(imagery_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        // A proxy from the environment must not capture loopback or metadata traffic.
        set(imagery_curl_set_string(handle, CURLOPT_PROXY, ""))
        set(imagery_curl_set_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)))
        set(imagery_curl_set_long(handle, CURLOPT_TCP_NODELAY, 1))
        if request.method == "HEAD" {
            set(imagery_curl_set_long(handle, CURLOPT_NOBODY, 1))
        } else if request.method != "GET" {
            set(imagery_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if let upload {
            let size: Int64
            switch upload {
            case .memory(let data): size = Int64(data.count)
            case .file(_, let fileSize): size = fileSize
            }
            set(imagery_curl_set_long(handle, CURLOPT_UPLOAD, 1))
            set(imagery_curl_set_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(size)))
            set(imagery_curl_set_data_callback(handle, CURLOPT_READFUNCTION, curlRead))
            set(imagery_curl_set_pointer(handle, CURLOPT_READDATA, context))
        }
        for header in request.headers where header.name.lowercased() != "host" {
            // "Name;" is libcurl's way to send a header with an empty value.
            let line = header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
            headerList = imagery_curl_slist_append(headerList, line)
        }
        // No `Expect: 100-continue` round trip before bodies; AWS does not need it.
        headerList = imagery_curl_slist_append(headerList, "Expect:")
        set(imagery_curl_set_list(handle, CURLOPT_HTTPHEADER, headerList))
        set(imagery_curl_set_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWrite))
        set(imagery_curl_set_pointer(handle, CURLOPT_WRITEDATA, context))
        set(imagery_curl_set_data_callback(handle, CURLOPT_HEADERFUNCTION, curlHeader))
        set(imagery_curl_set_pointer(handle, CURLOPT_HEADERDATA, context))
        set(imagery_curl_set_long(handle, CURLOPT_NOPROGRESS, 0))
        set(imagery_curl_set_progress_callback(handle, curlProgress))
        set(imagery_curl_set_pointer(handle, CURLOPT_XFERINFODATA, context))
        let milliseconds = max(1, Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        set(imagery_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds))
        if idleTimeout {
            // File transfers may take long; what must not last is silence.
            set(imagery_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
            set(imagery_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, milliseconds / 1000)))
        } else {
            set(imagery_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds))
        }
        guard ok else { throw fail(.invalidRequest, "libcurl rejected an option for this request") }

        let code = imagery_curl_easy_perform(handle)
        if code != CURLE_OK {
            if isCancelled { throw CancellationError() }
            if let localError { throw fail(.invalidRequest, localError) }
            let message = String(cString: errorBuffer)
            throw fail(Self.kind(of: code), "curl \(code.rawValue): \(message.isEmpty ? String(cString: imagery_curl_easy_strerror(code)) : message)")
        }
        var status = 0
        _ = imagery_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        if let output, let temporaryFile, let destination {
            do {
                try output.close()
                self.output = nil
                let fm = FileManager.default
                if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
                try fm.moveItem(at: temporaryFile, to: destination)
                self.temporaryFile = nil
            } catch {
                throw fail(.invalidRequest, "cannot write \(destination.path): \(error.localizedDescription)")
            }
        } else if let destination, (200..<300).contains(status) {
            // An empty 2xx body: nothing was written, the file is still created.
            guard FileManager.default.createFile(atPath: destination.path, contents: Data()) else {
                throw fail(.invalidRequest, "cannot write \(destination.path)")
            }
        }
        return HTTPResponse(status: status, headers: headers.sorted { $0.name.lowercased() < $1.name.lowercased() }, body: body)
    }

    private func discardTemporaryFile() {
        try? output?.close()
        output = nil
        if let temporaryFile { try? FileManager.default.removeItem(at: temporaryFile) }
        temporaryFile = nil
    }

    static func kind(of code: CURLcode) -> TransportError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT: .connectionFailed
        case CURLE_OPERATION_TIMEDOUT: .timedOut
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .dnsFailure
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE: .connectionDropped
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .invalidRequest
        default: .other
        }
    }

    // MARK: callbacks (transfer thread)

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        switch upload {
        case .memory(let data):
            let count = min(capacity, data.count - uploadOffset)
            guard count > 0 else { return 0 }
            data.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                UnsafeMutableRawPointer(buffer).copyMemory(from: base + uploadOffset, byteCount: count)
            }
            uploadOffset += count
            return count
        case .file(let handle, _):
            let count = Foundation.read(handle.fileDescriptor, buffer, capacity)
            if count < 0 {
                localError = "reading the upload failed: \(String(cString: strerror(errno)))"
                return Int(CURL_READFUNC_ABORT)
            }
            return count
        case nil:
            return 0
        }
    }

    func write(_ buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int {
        guard let destination, let handle else {
            body.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: count)
            return count
        }
        var status = 0
        _ = imagery_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard (200..<300).contains(status) else {
            // Error bodies are small and needed for decoding.
            body.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: count)
            return count
        }
        if output == nil {
            let temporary = destination.deletingLastPathComponent()
                .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).part")
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
                  let file = FileHandle(forWritingAtPath: temporary.path)
            else {
                localError = "cannot write \(destination.path)"
                return 0
            }
            temporaryFile = temporary
            output = file
        }
        guard let output else { return 0 }
        var written = 0
        while written < count {
            let result = Foundation.write(output.fileDescriptor, buffer + written, count - written)
            if result < 0 {
                if errno == EINTR { continue }
                localError = "cannot write \(destination.path): \(String(cString: strerror(errno)))"
                return 0
            }
            written += result
        }
        return count
    }

    func header(_ buffer: UnsafeMutablePointer<CChar>, count: Int) {
        let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: count), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            // A new response begins (after a 100 Continue, say): earlier headers were not its own.
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        headers.append(HTTPHeader(name, value))
    }
}

private func transfer(_ context: UnsafeMutableRawPointer?) -> CurlTransfer? {
    context.map { Unmanaged<CurlTransfer>.fromOpaque($0).takeUnretainedValue() }
}

private let curlRead: imagery_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let transfer = transfer(context) else { return Int(CURL_READFUNC_ABORT) }
    return transfer.read(into: buffer, capacity: size * count)
}

private let curlWrite: imagery_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let transfer = transfer(context) else { return 0 }
    return transfer.write(buffer, count: size * count)
}

private let curlHeader: imagery_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let transfer = transfer(context) else { return 0 }
    transfer.header(buffer, count: size * count)
    return size * count
}

private let curlProgress: imagery_curl_progress_callback = { context, _, _, _, _ in
    transfer(context)?.isCancelled == true ? 1 : 0
}
