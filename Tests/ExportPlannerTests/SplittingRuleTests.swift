import AnalyticsAPI
import ExportBasics
import ExportPlanner
import ExportSpec
import Foundation
import Testing

/// The time-splitting rules: the 3-month cap, explicit and auto chunks, buckets, aggregates and snapshots.
@Suite struct SplittingRuleTests {
    /// Whether [start, end) is at most three calendar months (in UTC).
    func withinThreeMonths(_ chunk: Chunk) -> Bool {
        let start = LocalDateTimeParts(localMillis: chunk.startMillis)
        return chunk.endMillis <= start.addingMonths(3).localMillis
    }

    @Test func explicitChunksLongerThanThreeMonthsAreCutAtQuartersWithAWarning() throws {
        let entry = B.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(120, .day)))
        let spec = oneExportSpec(entry, from: B.date(2025, 7, 1), to: B.date(2026, 11, 1))
        let result = Planner.plan(spec, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(!result.hasErrors)
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("3-month") })
        let chunks = result.plan.chunks
        #expect(chunks.allSatisfy(withinThreeMonths))
        #expect(chunks.allSatisfy { $0.reasons == [.maxRange] })
        #expect(chunks.count == 6)  // Q3 2025 … Q4 2026 (cut at 2026-11-01)
        expectContiguous(chunks, from: ms("2025-07-01T00:00:00Z"), to: ms("2026-11-01T00:00:00Z"))
    }

    @Test func noChunkEverExceedsThreeMonths() throws {
        for chunk in [
            ChunkSize.auto, .fixed(CalendarDuration(3, .month)), .fixed(CalendarDuration(12, .week)),
            .fixed(CalendarDuration(89, .day)),
        ] {
            let entry = B.export("help", .rawExpertHelp, chunk: chunk)
            let plan = try planOK(oneExportSpec(entry, from: B.date(2025, 6, 1), to: B.date(2026, 11, 1)))
            #expect(plan.chunks.allSatisfy(withinThreeMonths), "chunk \(chunk)")
        }
    }

    @Test func explicitChunksRecordTheirReason() throws {
        let entry = B.export("agents", .rawAgentStates, chunk: .fixed(CalendarDuration(1, .day)))
        let plan = try planOK(oneExportSpec(entry, from: B.date(2026, 1, 1), to: B.date(2026, 1, 4)))
        #expect(plan.chunks.count == 3)
        #expect(plan.chunks.allSatisfy { $0.reasons == [.explicitChunk(CalendarDuration(1, .day))] })
        // One chunk for the whole window says so.
        let whole = B.export("agents", .rawAgentStates, chunk: .fixed(CalendarDuration(1, .month)))
        let wholePlan = try planOK(oneExportSpec(whole, from: B.date(2026, 1, 1), to: B.date(2026, 1, 4)))
        #expect(wholePlan.chunks.map(\.reasons) == [[.wholeWindow]])
    }

    @Test func autoGivesLightAndHeavyExportsDifferentSizes() throws {
        let spec = B.spec(
            window: B.window(from: B.date(2026, 1, 1), to: B.date(2026, 7, 1)),
            exports: [
                B.export("help", .rawExpertHelp),  // 300 rows/day by default
                B.export("posts", .incomingPost),  // 12,000 rows/day by default
                B.export("combined", .combined, keepCombined: true),  // 30,000 rows/day by default
            ])
        let plan = try planOK(spec)
        func autoSize(_ name: String) throws -> CalendarDuration? {
            let reasons = try export(plan, name).chunks.flatMap(\.reasons)
            for case .autoChunk(let size, _, _, _) in reasons { return size }
            return nil
        }
        #expect(try autoSize("help") == CalendarDuration(3, .month))
        #expect(try autoSize("posts") == CalendarDuration(7, .day))
        #expect(try autoSize("combined") == CalendarDuration(1, .day))
        // Whatever the size, expected rows per job stay under the target.
        #expect(plan.chunks.allSatisfy { $0.expectedRows <= RunConfig().targetRowsPerJob })
    }

    @Test func autoFollowsSpecHintsLearnedVolumesFanOutAndTheTarget() throws {
        func size(_ entry: ExportEntry, hints: [String: Double] = [:], target: Int = 200_000) throws
            -> (CalendarDuration, VolumeSource)?
        {
            let spec = oneExportSpec(
                entry, from: B.date(2026, 1, 1), to: B.date(2026, 7, 1), run: RunConfig(targetRowsPerJob: target))
            let plan = try planOK(spec, hints: hints)
            for case .autoChunk(let size, _, _, let source) in plan.chunks.flatMap(\.reasons) {
                return (size, source)
            }
            return nil
        }
        let plain = B.export("posts", .incomingPost)
        #expect(try size(plain)?.0 == CalendarDuration(7, .day))
        #expect(try size(plain)?.1 == .typeDefault)
        let hinted = B.export("posts", .incomingPost, expectedRowsPerDay: 100)
        #expect(try size(hinted)?.0 == CalendarDuration(3, .month))
        #expect(try size(hinted)?.1 == .spec)
        // Learned volumes win over the spec's hint.
        #expect(try size(hinted, hints: ["posts": 1_000_000])?.0 == CalendarDuration(1, .hour))
        #expect(try size(hinted, hints: ["posts": 1_000_000])?.1 == .learned)
        #expect(try size(hinted, hints: ["other": 1_000_000])?.0 == CalendarDuration(3, .month))
        // Fanning out over 10 work queues divides the volume per job.
        let fanned = B.export("posts", .incomingPost, filters: [.workqueues: Array(1...10)], splitBy: .workqueues)
        #expect(try size(fanned)?.0 == CalendarDuration(3, .month))
        // A smaller target means smaller chunks.
        #expect(try size(plain, target: 20_000)?.0 == CalendarDuration(1, .day))
    }

    @Test func autoWarnsWhenEvenHourlyJobsExceedTheTarget() throws {
        let entry = B.export("posts", .incomingPost, expectedRowsPerDay: 10_000_000)
        let result = Planner.plan(
            oneExportSpec(entry, from: B.date(2026, 1, 1), to: B.date(2026, 1, 2)),
            now: B.instant("2026-11-29T12:00:00Z"))
        #expect(!result.hasErrors)
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("target_rows_per_job") })
        #expect(result.plan.chunks.count == 24)
    }

    @Test func absurdVolumeHintsNeitherTrapNorAreTrusted() throws {
        let entry = B.export("posts", .incomingPost)
        let spec = oneExportSpec(entry, from: B.date(2026, 1, 1), to: B.date(2026, 1, 2))
        for hint in [1e30, Double.infinity, -5, Double.nan] {
            let result = Planner.plan(spec, now: B.instant("2026-11-29T12:00:00Z"), volumeHints: ["posts": hint])
            #expect(!result.hasErrors)
            #expect(!result.plan.chunks.isEmpty)
            #expect(!PlanRenderer.table(result.plan).isEmpty)
            #expect(!PlanRenderer.json(result.plan).isEmpty)
        }
    }

    @Test func intervalExportsRespectTheBucketCapAndSplitOnBucketBoundaries() throws {
        let hourly = B.export(
            "interval", .teamPerformanceInterval, chunk: .fixed(CalendarDuration(7, .day)),
            timeIntervalMillis: hourMillis)
        // Start at 00:30 so bucket edges are visibly relative to the window start.
        let plan = try planOK(oneExportSpec(hourly, from: B.date(2026, 1, 1, 0, 30), to: B.date(2026, 1, 15)))
        let chunks = plan.chunks
        let start = ms("2026-01-01T00:30:00Z")
        expectContiguous(chunks, from: start, to: ms("2026-01-15T00:00:00Z"))
        for chunk in chunks {
            #expect((chunk.startMillis - start) % hourMillis == 0)
            let buckets = (chunk.durationMillis + hourMillis - 1) / hourMillis
            #expect(buckets <= Int64(APILimits.maxIntervalBuckets))
            #expect(chunk.reasons.contains(.bucketCap(bucketsPerJob: 40, intervalMillis: hourMillis)))
        }
        #expect(chunks.dropLast().allSatisfy { $0.durationMillis == 40 * hourMillis })

        // A day's chunk of hourly buckets is under the cap: the explicit size decides.
        let daily = B.export(
            "interval", .teamPerformanceInterval, chunk: .fixed(CalendarDuration(1, .day)),
            timeIntervalMillis: hourMillis)
        let dailyPlan = try planOK(oneExportSpec(daily, from: B.date(2026, 1, 1), to: B.date(2026, 1, 4)))
        #expect(dailyPlan.chunks.count == 3)
        #expect(dailyPlan.chunks.allSatisfy { $0.durationMillis == 24 * hourMillis })

        // Monthly buckets (timeInterval above a week): at most 3 months per job, on month boundaries.
        let monthly = B.export("interval", .teamPerformanceInterval, timeIntervalMillis: 30 * dayMillis)
        let monthlyPlan = try planOK(oneExportSpec(monthly, from: B.date(2025, 7, 1), to: B.date(2026, 7, 1)))
        #expect(
            monthlyPlan.chunks.map(\.startMillis) == [
                ms("2025-07-01T00:00:00Z"), ms("2025-10-01T00:00:00Z"), ms("2026-01-01T00:00:00Z"),
                ms("2026-04-01T00:00:00Z"),
            ])
    }

    @Test func intervalExportsWithoutATimeIntervalAreErrors() {
        let entry = B.export("interval", .teamPerformanceInterval)
        let result = Planner.plan(
            oneExportSpec(entry, from: B.date(2026, 1, 1), to: B.date(2026, 1, 2)),
            now: B.instant("2026-11-29T12:00:00Z"))
        #expect(result.hasErrors)
    }

    @Test func aggregatesAndOpenAtEndSnapshotsAreNeverSplitByTime() throws {
        let spec = B.spec(
            window: B.window(from: B.date(2026, 1, 1), to: B.date(2026, 3, 1)),
            exports: [
                B.export("teams", .teamPerformance, filters: [.teams: [1, 2]], splitBy: .teams),
                B.export("open", .conversation),
                B.export(
                    "closed", .conversation, chunk: .fixed(CalendarDuration(1, .day)),
                    conversationReportType: .closed),
            ])
        let plan = try planOK(spec)
        let teams = try export(plan, "teams")
        #expect(teams.timeWindowCount == 1)
        #expect(teams.chunks.count == 2)
        #expect(teams.chunks.allSatisfy { $0.reasons.first == .notSplittableByTime })
        #expect(try export(plan, "open").chunks.count == 1)
        #expect(try export(plan, "closed").chunks.count == 59)
    }

    @Test func snapshotsLongerThanThreeMonthsAreErrorsAndTheirChunkSettingIsIgnored() throws {
        let long = B.spec(
            window: B.window(from: B.date(2026, 1, 1), to: B.date(2026, 5, 1), line: 8),
            exports: [B.export("users", .user)])
        let result = Planner.plan(long, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(result.hasErrors)
        #expect(result.diagnostics.first { $0.severity == .error }?.location == B.location(line: 8))

        let chunked = B.spec(
            window: B.window(from: B.date(2026, 1, 1), to: B.date(2026, 2, 1)),
            exports: [B.export("users", .user, chunk: .fixed(CalendarDuration(1, .day)))])
        let ignored = Planner.plan(chunked, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(!ignored.hasErrors)
        #expect(ignored.diagnostics.contains { $0.severity == .warning && $0.message.contains("ignored") })
        #expect(ignored.plan.chunks.count == 1)
    }

    @Test func defaultsApplyAndExportsOverrideThem() throws {
        let spec = B.spec(
            timezone: "Europe/Berlin", chunk: .fixed(CalendarDuration(7, .day)),
            window: B.window(from: B.date(2026, 1, 5), to: B.date(2026, 1, 19)),
            exports: [
                B.export("weekly", .rawAgentStates),
                B.export("daily", .rawAgentStates, filters: [.teams: [1]], chunk: .fixed(CalendarDuration(1, .day))),
                B.export("tokyo", .rawAgentStates, filters: [.teams: [2]], timezone: "Asia/Tokyo"),
                // A pipeline-wide chunk does not warn on an aggregate: only the export's own chunk: would.
                B.export("teams", .teamPerformance),
            ])
        let result = Planner.plan(spec, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(result.diagnostics.isEmpty)
        let plan = result.plan
        #expect(try export(plan, "weekly").chunks.count == 2)
        #expect(try export(plan, "daily").chunks.count == 14)
        let tokyo = try export(plan, "tokyo")
        #expect(tokyo.timezone == "Asia/Tokyo")
        #expect(tokyo.windowStartMillis == ms("2026-01-05T00:00:00+09:00"))
        #expect(tokyo.chunks.allSatisfy { $0.request.timezone == "Asia/Tokyo" && $0.request.locale == "en" })
    }

    @Test func unknownTimeZonesAreErrorsAtTheExport() {
        let entry = B.export("agents", .rawAgentStates, timezone: "Mars/Olympus_Mons", line: 33)
        let result = Planner.plan(
            oneExportSpec(entry, from: B.date(2026, 1, 1), to: B.date(2026, 1, 2)),
            now: B.instant("2026-11-29T12:00:00Z"))
        #expect(result.hasErrors)
        #expect(result.diagnostics.first?.location == B.location(line: 33))
        #expect(result.diagnostics.first?.message.contains("Mars/Olympus_Mons") == true)
    }

    @Test func windowsEndingAfterNowAreWarnedAbout() {
        let spec = oneExportSpec(
            B.export("agents", .rawAgentStates), from: B.date(2026, 11, 1), to: B.date(2026, 12, 31))
        let result = Planner.plan(spec, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(!result.hasErrors)
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("after now") })
    }

    @Test func absurdlyFineChunksAreAnErrorNotAnOutOfMemory() {
        let entry = B.export(
            "agents", .rawAgentStates, filters: [.teams: Array(1...200)], splitBy: .teams,
            chunk: .fixed(CalendarDuration(1, .minute)))
        let spec = oneExportSpec(entry, from: B.date(2025, 12, 1), to: B.date(2026, 11, 1))
        let result = Planner.plan(spec, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(result.hasErrors)
        #expect(result.plan.chunks.isEmpty)
    }

    @Test func aLearnedVolumeIsPerJobSoAFannedOutExportExpectsItTimesItsValues() throws {
        let entry = B.export(
            "posts", .incomingPost, filters: [.workqueues: [4, 5]], splitBy: .workqueues,
            chunk: .fixed(CalendarDuration(1, .day)))
        let spec = oneExportSpec(entry, from: B.date(2026, 11, 2), to: B.date(2026, 11, 8))
        // The journal learned 1,000 rows a day per job (each work queue's chunks cover the whole window).
        let posts = try export(try planOK(spec, hints: ["posts": 1_000]), "posts")
        #expect(posts.fanOutCount == 2)
        let days = Int((posts.windowEndMillis - posts.windowStartMillis) / 86_400_000)
        #expect(posts.expectedRows == 2 * days * 1_000, "both work queues' rows, not one's")
        #expect(posts.chunks.allSatisfy { $0.expectedRows == 1_000 })
    }
}
