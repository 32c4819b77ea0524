import CSVMerge
import ExportDataset
import ExportPlanner
import ExportSpec
import Testing

@Suite("Which partitions a run exports, and why")
struct DatasetDecisionTests {
    let berlin = clock("Europe/Berlin")

    /// Nov 14 … Nov 20 (7 days) in Berlin.
    var week: TimeWindow {
        TimeWindow(startMs: midnight(2026, 11, 14, on: berlin), endMs: midnight(2026, 11, 21, on: berlin))
    }

    func decide(
        _ window: TimeWindow, manifest: [DatasetManifest.Partition],
        observations: [PartitionKey: PartitionObservation]? = nil,
        settleDays: Int64 = 2, refresh: RefreshRange? = nil, grain: PartitionGrain = .day, on clock: ZonedClock? = nil,
        onePartitionPerJob: Bool = false
    ) -> DatasetDecision {
        let clock = clock ?? berlin
        let byKey = Dictionary(
            uniqueKeysWithValues: manifest.map { (PartitionKey(parsing: $0.partition, grain: grain)!, $0) })
        return DatasetDecision.decide(
            DatasetDecision.Input(
                window: window, grain: grain, clock: clock, manifest: byKey,
                observations: observations ?? byKey.mapValues(unchanged), settleMillis: settleDays * dayMillis,
                refresh: refresh, onePartitionPerJob: onePartitionPerJob))
    }

    @Test func anEmptyDatasetIsOneRunOfMissingPartitionsOverTheWindow() {
        let decision = decide(week, manifest: [])
        #expect(decision.entries.map(\.key) == (14...20).map { day(2026, 11, $0) })
        #expect(decision.entries.allSatisfy { $0.reason == .missing })
        #expect(decision.runs.count == 1)
        #expect(decision.runs[0].window == week)
        #expect(decision.runs[0].partitions.map(\.window) == (14...20).map { day(2026, 11, $0).window(on: berlin) })
    }

    @Test func aNightlyRunExportsTheNewDayAndTheUnsettledOnesTogether() {
        // Yesterday's run (at Nov 20 06:00) exported Nov 13 … Nov 19; the window moved one day.
        let exportedAt = midnight(2026, 11, 20, on: berlin) + 6 * hourMillis
        let manifest = (13...19).map { recorded(day(2026, 11, $0), on: berlin, exportedAt: exportedAt) }
        let decision = decide(week, manifest: manifest)
        // Nov 18 and 19 ended less than 2 days before they were exported; Nov 20 is new.
        #expect(decision.exported.map(\.key) == [day(2026, 11, 18), day(2026, 11, 19), day(2026, 11, 20)])
        #expect(decision.exported.map(\.reason) == [.unsettled, .unsettled, .missing])
        #expect(decision.runs.map(\.keys) == [[day(2026, 11, 18), day(2026, 11, 19), day(2026, 11, 20)]])
        #expect(
            decision.runs[0].window
                == TimeWindow(startMs: midnight(2026, 11, 18, on: berlin), endMs: midnight(2026, 11, 21, on: berlin)))
        // Nov 13 left the window: kept, outside it; Nov 14 … 17 settled and kept.
        #expect(decision.entries.first { $0.key == day(2026, 11, 13) }?.verdict == .outsideWindow(changed: false))
        #expect(decision.kept.map(\.key) == (13...17).map { day(2026, 11, $0) })
    }

    @Test func settledMeansExportedAtLeastSettleAfterItsEnd() {
        let key = day(2026, 11, 14)
        let end = key.window(on: berlin).endMs
        let justSettled = recorded(key, on: berlin, exportedAt: end + 2 * dayMillis)
        let almost = recorded(day(2026, 11, 15), on: berlin, exportedAt: end + dayMillis + 2 * dayMillis - 1)
        let decision = decide(week, manifest: [justSettled, almost])
        #expect(decision.entries[0].verdict == .keep)
        #expect(decision.entries[1].reason == .unsettled)
        #expect(DatasetDecision.isSettled(justSettled, settleMillis: 2 * dayMillis))
    }

    @Test func contiguousPartitionsToExportFormRunsBrokenByKeptOnes() {
        let late = midnight(2026, 12, 30, on: berlin)
        var manifest = (14...20).map { recorded(day(2026, 11, $0), on: berlin, exportedAt: late) }
        manifest.remove(at: 5)  // Nov 19 missing
        manifest.remove(at: 1)  // Nov 15 missing
        var observations = Dictionary(
            uniqueKeysWithValues: manifest.map { (PartitionKey(parsing: $0.partition, grain: .day)!, unchanged($0)) })
        observations[day(2026, 11, 16)] = .present(bytes: 99, modifiedNs: 7, sha256: nil)  // another size
        let decision = decide(week, manifest: manifest, observations: observations)
        #expect(
            decision.runs.map(\.keys) == [[day(2026, 11, 15), day(2026, 11, 16)], [day(2026, 11, 19)]])
        #expect(decision.exported.map(\.reason) == [.missing, .changed, .missing])
    }

    @Test func aFileIsChangedWhenItsSizeOrItsHashDiffers() {
        let late = midnight(2026, 12, 30, on: berlin)
        let keys = (14...17).map { day(2026, 11, $0) }
        let manifest = keys.map { recorded($0, on: berlin, exportedAt: late) }
        let sha = manifest[0].sha256
        let observations: [PartitionKey: PartitionObservation] = [
            keys[0]: .present(bytes: 100, modifiedNs: 8, sha256: sha),  // touched, same bytes
            keys[1]: .present(bytes: 100, modifiedNs: 8, sha256: String(repeating: "b", count: 64)),  // edited
            keys[2]: .present(bytes: 100, modifiedNs: 8, sha256: nil),  // could not be read
            keys[3]: .absent,  // deleted
        ]
        let decision = decide(week, manifest: manifest, observations: observations)
        #expect(
            decision.entries.prefix(4).map(\.verdict) == [
                .keep, .export(.changed), .export(.changed), .export(.missing),
            ])
    }

    @Test func aRefreshRangeReExportsSettledPartitionsOnPurpose() throws {
        let late = midnight(2026, 12, 30, on: berlin)
        let manifest = (14...20).map { recorded(day(2026, 11, $0), on: berlin, exportedAt: late) }
        let decision = decide(week, manifest: manifest, refresh: try RefreshRange(parsing: "2026-11-16..2026-11-17"))
        #expect(decision.runs.map(\.keys) == [[day(2026, 11, 16), day(2026, 11, 17)]])
        #expect(decision.exported.map(\.reason) == [.refresh, .refresh])
        // A month names all its days; a reversed range and words are errors.
        #expect(try RefreshRange(parsing: "2026-11").overlaps(day(2026, 11, 30)))
        #expect(throws: RefreshRangeError.self) { try RefreshRange(parsing: "2026-11-17..2026-11-16") }
        #expect(throws: RefreshRangeError.self) { try RefreshRange(parsing: "yesterday") }
    }

    @Test func historyOutsideTheWindowIsKeptEvenWhenItsFileChanged() {
        let late = midnight(2026, 12, 30, on: berlin)
        let old = (1...3).map { recorded(day(2025, 5, $0), on: berlin, exportedAt: late) }
        let inside = (14...20).map { recorded(day(2026, 11, $0), on: berlin, exportedAt: late) }
        var observations = Dictionary(
            uniqueKeysWithValues: (old + inside).map {
                (PartitionKey(parsing: $0.partition, grain: .day)!, unchanged($0))
            })
        observations[day(2025, 5, 2)] = .absent
        let decision = decide(week, manifest: old + inside, observations: observations)
        #expect(decision.runs.isEmpty)
        #expect(
            decision.entries.prefix(3).map(\.verdict)
                == [.outsideWindow(changed: false), .outsideWindow(changed: true), .outsideWindow(changed: false)])
        #expect(decision.entries.count == 10)
    }

    @Test func aPartitionExportedForPartOfItsWindowIsIncomplete() {
        // `to: now` yesterday at 14:00 exported Nov 20 up to then; today the window holds the whole day.
        let key = day(2026, 11, 20)
        let partial = TimeWindow(
            startMs: key.window(on: berlin).startMs, endMs: key.window(on: berlin).startMs + 14 * hourMillis)
        let late = midnight(2026, 12, 30, on: berlin)
        let manifest = [recorded(key, on: berlin, exportedAt: late, window: partial)]
        let decision = decide(week, manifest: manifest, settleDays: 0)
        #expect(decision.entries.last?.reason == .incomplete)
        // A window that itself ends mid-day asks only for that part.
        let now = TimeWindow(startMs: week.startMs, endMs: partial.endMs)
        let clipped = decide(now, manifest: manifest, settleDays: 0)
        #expect(clipped.entries.last?.window == partial)
        #expect(clipped.entries.last?.verdict == .keep)
    }

    @Test func monthPartitionsClipToTheWindowAndCrossTheYear() {
        let window = TimeWindow(startMs: midnight(2026, 10, 15, on: berlin), endMs: midnight(2027, 2, 1, on: berlin))
        let decision = decide(window, manifest: [], grain: .month)
        #expect(decision.entries.map(\.key.text) == ["2026-10", "2026-11", "2026-12", "2027-01"])
        #expect(decision.entries.map(\.key.directoryName).first == "month=2026-10")
        #expect(decision.entries[0].window.startMs == window.startMs)
        #expect(decision.entries[1].window == PartitionKey(.month, year: 2026, month: 11).window(on: berlin))
        #expect(decision.runs.map(\.window) == [window])
    }

    @Test func daylightSavingDaysAre23And25HoursLongAndRunsStayOnLocalMidnights() {
        for (zone, spring, fall) in [
            ("Europe/Berlin", (2026, 3, 29), (2026, 10, 25)), ("America/New_York", (2026, 3, 8), (2026, 11, 1)),
        ] {
            let clock = clock(zone)
            let springDay = PartitionKey(.day, year: spring.0, month: spring.1, day: spring.2)
            let fallDay = PartitionKey(.day, year: fall.0, month: fall.1, day: fall.2)
            #expect(
                springDay.window(on: clock).endMs - springDay.window(on: clock).startMs == 23 * hourMillis, "\(zone)")
            #expect(fallDay.window(on: clock).endMs - fallDay.window(on: clock).startMs == 25 * hourMillis, "\(zone)")
            let window = TimeWindow(
                startMs: midnight(fall.0, fall.1, fall.2 - 1, on: clock),
                endMs: midnight(fall.0, fall.1, fall.2 + 2, on: clock))
            let decision = decide(window, manifest: [], on: clock)
            #expect(
                decision.entries.map(\.key)
                    == (-1...1).map { fallDay.firstDay + Int64($0) }.map { PartitionKey(.day, dayNumber: $0) })
            for entry in decision.entries {
                #expect(clock.local(entry.window.startMs) % dayMillis == 0, "\(zone) \(entry.key)")
                #expect(PartitionKey(.day, containing: entry.window.endMs - 1, clock: clock) == entry.key)
            }
            #expect(decision.runs.map(\.window) == [window])
        }
    }

    @Test func anExportNotSplitByTimeGetsARunPerPartition() {
        let decision = decide(week, manifest: [], onePartitionPerJob: true)
        #expect(decision.runs.count == 7)
        #expect(decision.runs.allSatisfy { $0.partitions.count == 1 && $0.window == $0.partitions[0].window })
    }

    @Test func partitionKeysParseAndPrintTheirHiveFolders() {
        #expect(PartitionKey(directoryName: "day=2026-02-28") == day(2026, 2, 28))
        #expect(PartitionKey(directoryName: "day=2026-02-29") == nil)
        #expect(PartitionKey(directoryName: "month=2026-12")?.next == PartitionKey(.month, year: 2027, month: 1))
        #expect(PartitionKey(directoryName: "week=2026-12") == nil)
        #expect(PartitionKey(parsing: "2026-11", grain: .month) == PartitionKey(.month, year: 2026, month: 11))
        for text in [
            "2026-11-5", "2026-11-05 ", "2026/11/05", "2026-13-01", "2026-00-01", "2026-11-00", "+026-11-05",
            "2026-1a-05",
        ] {
            #expect(PartitionKey(parsing: text, grain: .day) == nil, "\(text)")
        }
        for text in ["2026-11-05", "2026-1", "2026-+1", "202-11"] {
            #expect(PartitionKey(parsing: text, grain: .month) == nil, "\(text)")
        }
        #expect(day(2026, 12, 31).next == day(2027, 1, 1))
        #expect(day(2024, 2, 28).next == day(2024, 2, 29))
    }
}
