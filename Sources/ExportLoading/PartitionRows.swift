import CSVMerge
import NIOCore
import PostgresNIO

/// The rows of an open partition file after its header, sent to a COPY in pieces of 256 KiB.
final class PartitionRows: @unchecked Sendable {
    private let scanner: CSVScanner
    private let file: PartitionFile
    /// Whether the file was read to its end (its inflating thread, if any, joined).
    private(set) var finished = false

    static let pieceSize = 256 * 1024

    init(scanner: CSVScanner, file: PartitionFile) {
        self.scanner = scanner
        self.file = file
    }

    /// Encodes every remaining record and writes it to `writer`; returns the number of rows.
    /// - Throws: `WarehouseError` for malformed CSV, a damaged gzip stream or a value that does not fit.
    func copy(
        columns: [TableColumn], partition: LoadablePartition, writer: PostgresCopyFromWriter,
        progress: (@Sendable (Int) async throws -> Void)?
    ) async throws -> Int {
        var encoder = CopyRowEncoder(columns: columns, partition: partition, delimiter: scanner.delimiter)
        var buffer = ByteBufferAllocator().buffer(capacity: Self.pieceSize + 64 * 1024)
        var rows = 0
        do {
            while let record = try scanner.next() {
                try encoder.encode(scanner, line: record.number, into: &buffer)
                rows += 1
                if buffer.readableBytes >= Self.pieceSize {
                    try await writer.write(buffer)
                    buffer.clear()
                    try await progress?(rows)
                }
            }
        } catch let error as CSVMergeError {
            throw WarehouseError(.file, "partition \(partition.label): \(error.description)")
        }
        try finish()
        if buffer.readableBytes > 0 {
            try await writer.write(buffer)
            try await progress?(rows)
        }
        return rows
    }

    /// Reads to the end of the file.
    /// - Throws: `WarehouseError` (`.file`) when a gzip stream was damaged.
    func finish() throws {
        while try scanner.next() != nil {}
        finished = true
        try file.finish()
    }
}
