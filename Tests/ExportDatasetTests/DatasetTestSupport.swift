import CSVMerge
import ExportBasics
import ExportDataset
import ExportPlanner
import ExportSpec
import Foundation

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "dataset-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file(name)))) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func clock(_ zone: String) -> ZonedClock { ZonedClock(timeZone: TimeZone(identifier: zone)!) }

/// The instant of local midnight starting `year-month-day` on `clock`.
func midnight(_ year: Int, _ month: Int, _ day: Int, on clock: ZonedClock) -> Int64 {
    clock.instant(of: LocalDateTimeParts(year: year, month: month, day: day))
}

func day(_ year: Int, _ month: Int, _ day: Int) -> PartitionKey {
    PartitionKey(.day, year: year, month: month, day: day)
}

/// A manifest entry for `key` as a run would have written it at `exportedAt`, with a file of `bytes` bytes.
func recorded(
    _ key: PartitionKey, on clock: ZonedClock, exportedAt: Int64, bytes: Int64 = 100, modifiedNs: Int64 = 7,
    sha256: String = String(repeating: "a", count: 64), window: TimeWindow? = nil
) -> DatasetManifest.Partition {
    let window = window ?? key.window(on: clock)
    return DatasetManifest.Partition(
        partition: key.text, file: key.directoryName + "/x.csv", window: window, rows: 1, bytes: bytes,
        uncompressedBytes: bytes, sha256: sha256, fileSha256: nil, modifiedNs: modifiedNs, exportedAtMs: exportedAt,
        exportedAt: InstantFormat.iso8601(exportedAt, in: clock), settled: false)
}

/// The observation of a file exactly as `entry` recorded it.
func unchanged(_ entry: DatasetManifest.Partition) -> PartitionObservation {
    .present(bytes: entry.bytes, modifiedNs: entry.modifiedNs, sha256: nil)
}

let hourMillis: Int64 = 3_600_000
let dayMillis: Int64 = 86_400_000
