import CompressNIO
import NIOCore

/// Inflates a gzip body piece by piece as it arrives, through a fixed 256 KiB window (memory does not follow the
/// body's size).
final class GzipInflater {
    struct Failure: Error {
        var detail: String
    }

    private let decompressor: any NIODecompressor

    init() throws {
        decompressor = CompressionAlgorithm.gzip().decompressor
        decompressor.window = ByteBufferAllocator().buffer(capacity: 256 << 10)
        do {
            try decompressor.startStream()
        } catch {
            throw Failure(detail: "\(error)")
        }
    }

    /// Inflates `buffer`, handing each filled piece of output to `output`.
    func inflate(_ buffer: ByteBuffer, output: (ByteBuffer) throws -> Void) throws {
        var input = buffer
        do {
            try input.decompressStream(with: decompressor, process: output)
        } catch let error as CompressNIOError {
            throw Failure(detail: "\(error)")
        }
    }

    /// Ends the stream.
    func finish() throws {
        do {
            try decompressor.finishStream()
        } catch {
            throw Failure(detail: "\(error)")
        }
    }
}
