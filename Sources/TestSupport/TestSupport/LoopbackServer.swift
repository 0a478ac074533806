import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tiny scripted HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for transport-level tests.
///
/// Responses are scripted per "METHOD /path" (query ignored) as a queue; the last entry repeats.
/// Query-protocol services send every operation to the same path, so a script may also name the
/// operation (`Action=` in a form body, or the `X-Amz-Target` operation); such a script wins.
/// It records every request and can drop the connection or stall to provoke client errors.
public final class LoopbackServer: @unchecked Sendable {
    public enum Action: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: String = "")
        /// Close the socket without answering (a dropped connection).
        case close
        /// Wait, then answer; for timeout tests.
        case delay(seconds: Double, status: Int, body: String)
    }

    public struct Recorded: Sendable {
        public var method: String
        public var path: String
        public var query: String?
        public var headers: [String: String]
        public var body: Data
    }

    public let port: UInt16
    private let listenFD: Int32
    private let lock = NSLock()
    private var scripts: [String: [Action]] = [:]
    private var recorded: [Recorded] = []
    private var stopped = false
    /// Accepted connections still open; `stop` shuts them down so that no client keeps talking to a
    /// stopped server over a kept-alive connection.
    private var connections: Set<Int32> = []

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listenFD = fd
        port = UInt16(bigEndian: actual.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Sets the response queue for one method and path.
    public func script(_ method: String, _ path: String, _ actions: [Action]) {
        lock.withLock { scripts["\(method) \(path)"] = actions }
    }

    /// Sets the response queue for one operation of a query- or JSON-protocol service at a path.
    public func script(_ method: String, _ path: String, action: String, _ actions: [Action]) {
        lock.withLock { scripts["\(method) \(path) \(action)"] = actions }
    }

    /// Requests received so far, optionally only those to one path.
    public func requests(path: String? = nil) -> [Recorded] {
        lock.withLock { recorded.filter { path == nil || $0.path == path } }
    }

    public func count(_ path: String) -> Int { requests(path: path).count }

    /// Stops accepting and shuts down every open connection.
    ///
    /// The descriptors are only shut down here; the threads that own them close them. Closing the
    /// listening socket from this thread would let its number be reused (by the next test's server)
    /// while the accept loop may still be about to call `accept` on it: the old server would then
    /// answer the new server's connections with the old scripts.
    public func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listenFD, Int32(SHUT_RDWR))
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        defer { close(listenFD) }
        while true {
            let client = accept(listenFD, nil, nil)
            let admitted = lock.withLock { () -> Bool in
                guard client >= 0, !stopped else { return false }
                connections.insert(client)
                return true
            }
            guard admitted else {
                if client >= 0 { close(client) }
                if lock.withLock({ stopped }) { return }
                continue
            }
            // A thread per connection: idle keep-alive connections would otherwise pin GCD's few
            // workers and stall every other connection for seconds when tests run in parallel.
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    /// The operation a request names: `Action=` in a form body, or the part after the dot of `X-Amz-Target`.
    public static func operation(_ request: Recorded) -> String? {
        if let target = request.headers["x-amz-target"], let dot = target.lastIndex(of: ".") {
            return String(target[target.index(after: dot)...])
        }
        let body = String(decoding: request.body, as: UTF8.self)
        for pair in body.split(separator: "&") where pair.hasPrefix("Action=") {
            return String(pair.dropFirst("Action=".count))
        }
        return nil
    }

    private func nextAction(_ request: Recorded) -> Action {
        let plain = "\(request.method) \(request.path)"
        let named = Self.operation(request).map { "\(plain) \($0)" }
        return lock.withLock {
            let key = named.flatMap { scripts[$0] == nil ? nil : $0 } ?? plain
            guard var queue = scripts[key], !queue.isEmpty else {
                return .respond(status: 404, body: "no script for \(key)")
            }
            let action = queue.count > 1 ? queue.removeFirst() : queue[0]
            scripts[key] = queue
            return action
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            // Under the lock, so that `stop` never shuts down a number already reused elsewhere.
            lock.withLock {
                connections.remove(fd)
                close(fd)
            }
        }
        var buffer = Data()
        while true {
            guard let request = readRequest(fd, &buffer) else { return }
            lock.withLock { recorded.append(request) }
            switch nextAction(request) {
            case .close:
                return
            case .respond(let status, let headers, let body):
                writeResponse(fd, status: status, headers: headers, body: body)
            case .delay(let seconds, let status, let body):
                Thread.sleep(forTimeInterval: seconds)
                writeResponse(fd, status: status, headers: [], body: body)
            }
        }
    }

    private func readRequest(_ fd: Int32, _ buffer: inout Data) -> Recorded? {
        let separator = Data("\r\n\r\n".utf8)
        while buffer.range(of: separator) == nil {
            guard readMore(fd, &buffer) else { return nil }
        }
        guard let headerEnd = buffer.range(of: separator) else { return nil }
        let head = String(decoding: buffer[buffer.startIndex..<headerEnd.lowerBound], as: UTF8.self)
        buffer.removeSubrange(buffer.startIndex..<headerEnd.upperBound)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        if headers["expect"]?.lowercased() == "100-continue" {
            let cont = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            _ = cont.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        while buffer.count < length {
            guard readMore(fd, &buffer) else { return nil }
        }
        let body = Data(buffer.prefix(length))
        buffer.removeFirst(length)
        let target = String(requestLine[1])
        let parts = target.split(separator: "?", maxSplits: 1)
        return Recorded(
            method: String(requestLine[0]), path: String(parts.first ?? "/"), query: parts.count > 1 ? String(parts[1]) : nil,
            headers: headers, body: body)
    }

    private func readMore(_ fd: Int32, _ buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    private func writeResponse(_ fd: Int32, status: Int, headers: [(String, String)], body: String) {
        let bodyBytes = Array(body.utf8)
        var text = "HTTP/1.1 \(status) Status\r\nContent-Length: \(bodyBytes.count)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8) + bodyBytes
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }
}
