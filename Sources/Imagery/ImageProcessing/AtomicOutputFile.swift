#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary file beside the target that becomes the target only on `commit()`.
///
/// Readers of the target path never see a half-written image: a failure (or simply not
/// committing) closes and unlinks the temporary file instead.
final class AtomicOutputFile {
    let path: String
    let temporaryPath: String
    private(set) var file: UnsafeMutablePointer<FILE>?
    private var committed = false

    init(path: String) throws(ImageError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        // Same directory as the target, so rename() stays within one filesystem.
        var template = Array("\(directory.isEmpty ? "/" : directory)/.\(base).tmp-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        let created = template.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { String(cString: $0) } ?? ""
        }
        temporaryPath = created
        guard descriptor >= 0 else {
            throw .io(path: path, errno: errno)
        }
        // mkstemp creates 0600; the result is an ordinary shareable image file.
        _ = fchmod(descriptor, 0o644)
        guard let stream = fdopen(descriptor, "wb") else {
            let code = errno
            close(descriptor)
            unlink(created)
            throw .io(path: created, errno: code)
        }
        file = stream
    }

    deinit {
        if let file {
            fclose(file)
        }
        if !committed {
            unlink(temporaryPath)
        }
    }

    /// Closes the temporary file and renames it over the target.
    func commit() throws(ImageError) {
        if let file {
            self.file = nil
            if fclose(file) != 0 {
                throw .io(path: temporaryPath, errno: errno)
            }
        }
        if rename(temporaryPath, path) != 0 {
            throw .io(path: path, errno: errno)
        }
        committed = true
    }
}
