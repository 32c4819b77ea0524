import Crypto
import ExportBasics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An output file written to a temporary name in the destination's directory and renamed into place on `commit()`.
///
/// Writes go through two large buffers: while the caller fills one, a `BackgroundWriter` thread writes and hashes
/// (SHA-256) the other, so the digest costs no second read and neither it nor the write call slows the merge loop. `commit()` flushes, fsyncs, renames over the destination and fsyncs the directory; `abort()` (or
/// deinit without commit) removes the temporary file. Until `commit()` the previous destination stays intact.
/// `seal()` does the first half of `commit()` (flush, fsync, close) so a caller can check the temporary file before
/// it replaces the destination (the partitioned dataset reads each partition back first).
public final class AtomicOutputFile {
    public let destination: String
    /// The destination's directory, fsynced after the rename.
    public let directory: String
    public let temporaryPath: String
    private var fd: Int32
    private var buffer: UnsafeMutableRawPointer
    private var spare: UnsafeMutableRawPointer
    private let capacity: Int
    private var used = 0
    private let writer: BackgroundWriter
    public private(set) var bytesWritten: Int64 = 0
    private var finished = false
    /// The digest `seal()` returned, once sealed.
    private var sealedDigest: String?

    /// Creates the temporary file beside `destination`, or in `temporaryDirectory` (on the same file system): a
    /// partitioned dataset keeps every partition's temporary in the export's folder, so finding what a killed
    /// writer left is one listing, not one per partition folder. Stale temporaries of `destination`'s name in its
    /// own directory are removed first; those in `temporaryDirectory` are its owner's to remove.
    /// - Throws: `CSVMergeError` (`.cannotWrite`) when the directory is not writable.
    public init(destination: String, temporaryDirectory: String? = nil, bufferSize: Int = 1 << 20) throws {
        self.destination = destination
        let (directory, name) = Self.split(destination)
        self.directory = directory
        TemporarySibling.removeStale(of: name, in: directory)
        let temporaryDirectory = temporaryDirectory ?? directory
        var descriptor: Int32 = -1
        var candidate = ""
        for _ in 0..<16 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            candidate = TemporarySibling.path(for: name, in: temporaryDirectory, tag: suffix)
            descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CSVMergeError(
                kind: .cannotWrite, file: destination,
                message: "cannot create a temporary file in \(temporaryDirectory): \(reason); check that the directory "
                    + "exists and is writable.")
        }
        fd = descriptor
        temporaryPath = candidate
        capacity = max(bufferSize, 4096)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        spare = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        writer = BackgroundWriter(fd: descriptor)
    }

    /// The directory (`"."` for a bare name) and the last component of `path`. Plain string work on purpose: the
    /// merge path stays clear of Foundation's URL machinery (see `BackgroundWriter` on code pages and memory).
    static func split(_ path: String) -> (directory: String, name: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return (".", String(trimmed)) }
        let directory = trimmed[..<slash]
        return (directory.isEmpty ? "/" : String(directory), String(trimmed[trimmed.index(after: slash)...]))
    }

    deinit {
        if !finished { abort() }
        writer.stop()
        buffer.deallocate()
        spare.deallocate()
    }

    /// Appends `bytes` to the output.
    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        if bytes.count <= capacity - used {
            (buffer + used).copyMemory(from: base, byteCount: bytes.count)
            used += bytes.count
            return
        }
        var remaining = bytes.count
        while remaining > 0 {
            if used == capacity { try flush() }
            let count = min(remaining, capacity - used)
            (buffer + used).copyMemory(from: base, byteCount: count)
            used += count
            base += count
            remaining -= count
        }
    }

    /// Appends one byte to the output.
    @inline(__always)
    public func write(byte: UInt8) throws {
        if used == capacity { try flush() }
        buffer.storeBytes(of: byte, toByteOffset: used, as: UInt8.self)
        used += 1
    }

    /// Appends `bytes` to the output.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Flushes, fsyncs and closes the temporary file, which stays under its temporary name until `commit()`.
    /// - Returns: the lowercase hex SHA-256 of everything written.
    public func seal() throws -> String {
        if let sealedDigest { return sealedDigest }
        try flush()
        let (digest, written, failure) = writer.finish()
        guard failure == 0 else {
            errno = failure
            throw writeError("write")
        }
        bytesWritten = written
        guard fsync(fd) == 0 else { throw writeError("fsync") }
        guard close(fd) == 0 else {
            fd = -1
            throw writeError("close")
        }
        fd = -1
        let hex = Hex.encode(digest)
        sealedDigest = hex
        return hex
    }

    /// Flushes, fsyncs and renames the temporary file over the destination (sealing it first if need be).
    /// - Returns: the lowercase hex SHA-256 of everything written.
    @discardableResult
    public func commit() throws -> String {
        let digest = try seal()
        guard rename(temporaryPath, destination) == 0 else { throw writeError("rename into place") }
        finished = true
        let directoryFD = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
        return digest
    }

    /// Closes and removes the temporary file; the destination is untouched.
    public func abort() {
        guard !finished else { return }
        finished = true
        writer.stop()
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporaryPath)
    }

    /// Hands the full buffer to the background writer and continues in the other one.
    private func flush() throws {
        guard used > 0 else { return }
        let code = writer.submit(UnsafeRawBufferPointer(start: buffer, count: used))
        guard code == 0 else {
            errno = code
            throw writeError("write")
        }
        swap(&buffer, &spare)
        used = 0
    }

    private func writeError(_ operation: String) -> CSVMergeError {
        let reason = String(cString: strerror(errno))
        return CSVMergeError(
            kind: .cannotWrite, file: destination,
            message: "\(operation) of the temporary output \(temporaryPath) failed: \(reason); the previous "
                + "output is untouched. Free disk space or fix permissions, then merge again.")
    }
}
