import CompressNIO
import Foundation
import NIOCore

/// A partition file opened for `CSVScanner`: a `.csv` as it is; a `.csv.gz` through a pipe that a thread fills with
/// the inflated bytes, 256 KiB at a time, so memory stays constant whatever the file's size.
final class PartitionFile: @unchecked Sendable {
    /// The path the scanner reads: the file, or the pipe's read end (`/dev/fd/N`).
    let scannerPath: String
    private let lock = NSLock()
    private var failure: String?
    private var stopped = false
    private var readEnd: Int32 = -1
    private let done = DispatchSemaphore(value: 0)
    private let compressed: Bool

    /// - Throws: `WarehouseError` (`.file`) when the file cannot be opened.
    init(path: String, compressed: Bool) throws {
        self.compressed = compressed
        guard compressed else {
            scannerPath = path
            return
        }
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            throw WarehouseError(.file, "cannot open \(path): \(String(cString: strerror(errno))); check the dataset")
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            close(input)
            throw WarehouseError(.file, "cannot make a pipe to inflate \(path): \(String(cString: strerror(errno)))")
        }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        readEnd = ends[0]
        scannerPath = "/dev/fd/\(ends[0])"
        let output = ends[1]
        let thread = Thread { [self] in
            inflate(input: input, output: output, path: path)
            close(input)
            close(output)
            done.signal()
        }
        thread.name = "exportpipe-inflate"
        thread.start()
    }

    deinit {
        if readEnd >= 0 { close(readEnd) }
    }

    /// Waits for the inflating thread after the scanner read to the end.
    /// - Throws: `WarehouseError` (`.file`) when the gzip stream was damaged (the rows read are then incomplete).
    func finish() throws {
        guard compressed else { return }
        drainAndJoin()
        if let failure = lock.withLock({ failure }) { throw WarehouseError(.file, failure) }
    }

    /// Stops the inflating thread when the scanner stopped early (an error): drains the pipe so it never blocks.
    func abandon() {
        guard compressed else { return }
        lock.withLock { stopped = true }
        drainAndJoin()
    }

    private func drainAndJoin() {
        guard readEnd >= 0 else { return }
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = scratch.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count > 0 { continue }
            if count < 0 && errno == EINTR { continue }
            break
        }
        done.wait()
        close(readEnd)
        readEnd = -1
    }

    private func inflate(input: Int32, output: Int32, path: String) {
        func fail(_ message: String) { lock.withLock { failure = message } }
        do {
            let decompressor = CompressionAlgorithm.gzip().decompressor
            decompressor.window = ByteBufferAllocator().buffer(capacity: 256 << 10)
            try decompressor.startStream()
            var chunk = ByteBufferAllocator().buffer(capacity: 256 << 10)
            reading: while !lock.withLock({ stopped }) {
                chunk.clear()
                var count = 0
                chunk.writeWithUnsafeMutableBytes(minimumWritableBytes: 256 << 10) { target in
                    count = read(input, target.baseAddress, target.count)
                    return max(0, count)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    fail("cannot read \(path): \(String(cString: strerror(errno)))")
                    break
                }
                if count == 0 { break }
                var open = true
                try chunk.decompressStream(with: decompressor) { window in
                    guard open else { return }
                    open = Self.writeAll(window, to: output)
                }
                if !open { break reading }
            }
            try decompressor.finishStream()
        } catch {
            fail("\(path) is not a complete gzip file (\(error)): the dataset's partition is damaged; export it again")
        }
    }

    /// Writes every byte; false when the reader went away.
    private static func writeAll(_ buffer: ByteBuffer, to descriptor: Int32) -> Bool {
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}
