import CSVMerge
import ExportDataset
import ExportPlanner
import ExportSpec
import Testing

@Suite("What a dataset holds, for exportpipe status")
struct DatasetStatusTests {
    let berlin = clock("Europe/Berlin")

    /// Nov 14 … Nov 20 (7 days) in Berlin.
    var week: TimeWindow {
        TimeWindow(startMs: midnight(2026, 11, 14, on: berlin), endMs: midnight(2026, 11, 21, on: berlin))
    }

    func status(
        _ manifest: [DatasetManifest.Partition], observations: [PartitionKey: PartitionObservation]? = nil
    ) -> DatasetStatus {
        let byKey = Dictionary(
            uniqueKeysWithValues: manifest.map { (PartitionKey(parsing: $0.partition, grain: .day)!, $0) })
        return DatasetStatus(
            export: "responses",
            input: DatasetDecision.Input(
                window: week, grain: .day, clock: berlin, manifest: byKey,
                observations: observations ?? byKey.mapValues(unchanged), settleMillis: 2 * dayMillis))
    }

    @Test func anEmptyDatasetIsTheWholeWindowMissing() {
        #expect(
            status([])
                == DatasetStatus(
                    export: "responses", present: 0, settled: 0, unsettled: 0, missing: 7, changed: 0,
                    outsideWindow: 0, oldest: nil, newest: nil))
    }

    @Test func aDatasetAfterANightCountsHistorySettledUnsettledAndTheNewDayMissing() {
        // Yesterday's run (Nov 20 06:00) exported Nov 10 … Nov 19; the window is Nov 14 … Nov 20 now.
        let exportedAt = midnight(2026, 11, 20, on: berlin) + 6 * hourMillis
        let manifest = (10...19).map { recorded(day(2026, 11, $0), on: berlin, exportedAt: exportedAt) }
        #expect(
            status(manifest)
                == DatasetStatus(
                    export: "responses", present: 10, settled: 8, unsettled: 2, missing: 1, changed: 0,
                    outsideWindow: 4, oldest: "2026-11-10", newest: "2026-11-19"))
    }

    @Test func aDeletedFileIsMissingAndAnEditedOneChangedInsideOrOutsideTheWindow() {
        let exportedAt = midnight(2026, 11, 25, on: berlin)
        let manifest = (12...20).map { recorded(day(2026, 11, $0), on: berlin, exportedAt: exportedAt) }
        var observations = Dictionary(
            uniqueKeysWithValues: manifest.map { (PartitionKey(parsing: $0.partition, grain: .day)!, unchanged($0)) })
        observations[day(2026, 11, 15)] = .absent
        observations[day(2026, 11, 16)] = .present(bytes: 99, modifiedNs: 8, sha256: nil)
        observations[day(2026, 11, 12)] = .present(bytes: 99, modifiedNs: 8, sha256: nil)
        // Nov 13 left the window and its file is gone: not present, and not missing (history is never exported).
        observations[day(2026, 11, 13)] = .absent
        let result = status(manifest, observations: observations)
        #expect(result.present == 7)
        #expect(result.settled == 7 && result.unsettled == 0)
        #expect(result.missing == 1)
        #expect(result.changed == 3, "Nov 16 inside the window, Nov 12 outside it, Nov 13 gone outside it")
        #expect(result.outsideWindow == 1)
        #expect(result.oldest == "2026-11-12" && result.newest == "2026-11-20")
    }
}
