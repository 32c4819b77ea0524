import CSVMerge
import CompressNIO
import Crypto
import ExportBasics
import ExportSpec
import Foundation
import NIOCore

/// One partition file being written: to a temporary name in the export's folder (`AtomicOutputFile`), plain or
/// gzip-compressed, with the SHA-256 and size of the uncompressed bytes kept as they pass.
///
/// `seal()` closes the temporary file, `check()` reads it back (decompressing it) and compares it with what was
/// written, `commit()` renames it over the destination: until then the previous file stays whole.
final class PartitionFileSink {
    let destination: String
    private let file: AtomicOutputFile
    private let compressor: (any NIOCompressor)?
    private var pending: ByteBuffer
    private var hasher = SHA256()
    private(set) var uncompressedBytes: Int64 = 0
    private(set) var rows = 0
    private var uncompressedDigest: String?
    private var fileDigest: String?

    private static let pendingLimit = 256 << 10

    /// - Parameter temporaryDirectory: where the file is written until `commit()` renames it to `destination` (the
    ///   export's folder: `AtomicOutputFile`).
    init(destination: String, temporaryDirectory: String, compression: OutputCompression) throws {
        self.destination = destination
        file = try AtomicOutputFile(
            destination: destination, temporaryDirectory: temporaryDirectory, bufferSize: 256 << 10)
        pending = ByteBufferAllocator().buffer(capacity: compression == .gzip ? Self.pendingLimit : 0)
        if compression == .gzip {
            let compressor = CompressionAlgorithm.gzip().compressor
            compressor.window = ByteBufferAllocator().buffer(capacity: 256 << 10)
            try compressor.startStream()
            self.compressor = compressor
        } else {
            compressor = nil
        }
    }

    deinit { file.abort() }

    /// Appends bytes of the CSV.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        uncompressedBytes += Int64(bytes.count)
        guard compressor != nil else {
            try file.write(bytes)
            return
        }
        hasher.update(bufferPointer: bytes)
        pending.writeBytes(bytes)
        if pending.readableBytes >= Self.pendingLimit { try deflate(finish: false) }
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Appends one data record (its bytes, line ending included).
    func writeRecord(_ bytes: UnsafeRawBufferPointer) throws {
        try write(bytes)
        rows += 1
    }

    /// Appends `count` data records given as one run of bytes.
    func writeRecords(_ bytes: UnsafeRawBufferPointer, count: Int) throws {
        try write(bytes)
        rows += count
    }

    /// Finishes the compressed stream and closes the temporary file.
    /// - Returns: the SHA-256 of the uncompressed bytes and of the file as stored.
    @discardableResult
    func seal() throws -> (sha256: String, fileSha256: String) {
        if let uncompressedDigest, let fileDigest { return (uncompressedDigest, fileDigest) }
        if let compressor {
            try deflate(finish: true)
            try compressor.finishStream()
        }
        let stored = try file.seal()
        let plain = compressor == nil ? stored : Hex.encode(hasher.finalize())
        uncompressedDigest = plain
        fileDigest = stored
        return (plain, stored)
    }

    /// Size of the file as stored (after `seal()`).
    var bytes: Int64 { file.bytesWritten }

    /// Reads the sealed temporary file back and checks it holds what was written: the stored bytes' SHA-256 and,
    /// decompressed, the uncompressed size and SHA-256.
    /// - Throws: `DatasetError` (`.checkFailed`) naming what differs.
    func check() throws {
        let (plain, stored) = try seal()
        let path = file.temporaryPath
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DatasetError(.checkFailed, file: destination, "its temporary file \(path) cannot be read back")
        }
        defer { try? handle.close() }
        var storedHasher = SHA256()
        var plainHasher = SHA256()
        var plainCount: Int64 = 0
        let decompressor: (any NIODecompressor)? = compressor == nil ? nil : CompressionAlgorithm.gzip().decompressor
        if let decompressor {
            decompressor.window = ByteBufferAllocator().buffer(capacity: 256 << 10)
            try decompressor.startStream()
        }
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            storedHasher.update(data: data)
            guard let decompressor else { continue }
            var input = ByteBufferAllocator().buffer(capacity: data.count)
            input.writeBytes(data)
            do {
                try input.decompressStream(with: decompressor) { piece in
                    piece.withUnsafeReadableBytes { plainHasher.update(bufferPointer: $0) }
                    plainCount += Int64(piece.readableBytes)
                }
            } catch {
                throw DatasetError(.checkFailed, file: destination, "its gzip stream does not read back: \(error)")
            }
        }
        if let decompressor { try? decompressor.finishStream() }
        let storedRead = Hex.encode(storedHasher.finalize())
        guard storedRead == stored else {
            throw DatasetError(
                .checkFailed, file: destination,
                "the temporary file reads back with SHA-256 \(storedRead), not \(stored) as written; check the disk")
        }
        if compressor != nil {
            let plainRead = Hex.encode(plainHasher.finalize())
            guard plainRead == plain, plainCount == uncompressedBytes else {
                throw DatasetError(
                    .checkFailed, file: destination,
                    "the temporary file decompresses to \(plainCount) bytes with SHA-256 \(plainRead), not "
                        + "\(uncompressedBytes) bytes with \(plain) as written")
            }
        }
    }

    /// Renames the sealed, checked file over its destination.
    func commit() throws { try file.commit() }

    /// Removes the temporary file; the destination is untouched.
    func abort() { file.abort() }

    private func deflate(finish: Bool) throws {
        guard let compressor else { return }
        try pending.compressStream(with: compressor, flush: finish ? .finish : .no) { piece in
            try piece.withUnsafeReadableBytes { try file.write($0) }
        }
        pending.clear()
    }
}
