import CSVMerge
import ExportBasics
import ExportDataset
import ExportPlanner
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The cheap check on real files: size and modification time against the manifest; the file read only when its
/// time moved, or for every file with `verify` (`run --verify`).
@Suite("Looking at a dataset's files: size and time, SHA-256 when the time moved or when asked")
struct DatasetInspectorTests {
    let berlin = clock("Europe/Berlin")
    let keys = (14...16).map { day(2026, 11, $0) }

    /// Sets the modification time of `path` to `ns` nanoseconds since the epoch.
    func setModified(_ path: String, _ ns: Int64) {
        var times = [
            timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000)),
            timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000)),
        ]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    @Test func aFileChangedInPlaceWithItsTimePutBackIsSeenOnlyWhenVerifying() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let layout = DatasetLayout(outputDirectory: directory.path, exportName: "x", grain: .day, compression: .none)
        let late = midnight(2026, 12, 30, on: berlin)
        var entries: [DatasetManifest.Partition] = []
        for key in keys {
            let bytes = Array("id,time\n1,\(key.text)\n".utf8)
            let path = try directory.write("x/" + layout.relativePath(of: key), bytes)
            let (size, modified) = try #require(PartitionObservation.fileStatus(path))
            var entry = recorded(
                key, on: berlin, exportedAt: late, bytes: size, modifiedNs: modified, sha256: Hex.sha256(bytes))
            entry.file = layout.relativePath(of: key)
            entries.append(entry)
        }
        let manifest = DatasetManifest(
            export: "x", partitionGrain: .day, timeZone: "Europe/Berlin", compression: .none, toolVersion: "test",
            partitions: entries)
        // The 14th edited in place, its time put back; the 15th touched (same bytes, new time); the 16th untouched.
        let edited = layout.path(of: keys[0])
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: edited)))
        bytes[bytes.count - 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: edited))
        setModified(edited, entries[0].modifiedNs)
        setModified(layout.path(of: keys[1]), entries[1].modifiedNs + 1_000_000_000)

        func verdicts(verify: Bool) -> [DatasetDecision.Verdict] {
            let observations = DatasetInspector.observe(manifest, layout: layout, verify: verify)
            return DatasetDecision.decide(
                DatasetDecision.Input(
                    window: TimeWindow(startMs: entries[0].window.startMs, endMs: entries[2].window.endMs),
                    grain: .day, clock: berlin, manifest: manifest.byKey, observations: observations,
                    settleMillis: 0)
            ).entries.map(\.verdict)
        }
        // Without --verify only the touched file is read (and kept: its bytes are the manifest's).
        let cheap = DatasetInspector.observe(manifest, layout: layout)
        #expect(cheap[keys[0]] == .present(bytes: entries[0].bytes, modifiedNs: entries[0].modifiedNs, sha256: nil))
        #expect(cheap[keys[1]].map { if case .present(_, _, let sha?) = $0 { sha } else { "" } } == entries[1].sha256)
        #expect(verdicts(verify: false) == [.keep, .keep, .keep])
        // With it every file is read: the edit is found and exported again.
        #expect(verdicts(verify: true) == [.export(.changed), .keep, .keep])
    }
}
