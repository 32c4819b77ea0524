import AnalyticsAPI
import ExportSpec
import Foundation
import Testing

@Suite("Spec validation")
struct SpecValidationTests {
    @Test func validSpecDecodesEveryField() throws {
        let text = fullSpecText
        let result = load(text)
        #expect(result.diagnostics.isEmpty, "\(result.shorts)")
        let spec = try #require(result.spec)
        #expect(spec.name == "full")
        #expect(spec.api.baseURL.raw == "https://analytics-api.app.lithium.com")
        #expect(spec.api.companyKey.raw == "${ANALYTICS_COMPANY_KEY}")
        #expect(spec.api.companyKey.location == SourceLocation(file: "spec.yaml", line: 5, column: 16))
        #expect(spec.api.users.map(\.password) == [.environment("ANALYTICS_PASSWORD"), .file("secrets/second.txt")])
        #expect(
            spec.defaults
                == Defaults(timezone: "America/New_York", locale: "es", chunk: .fixed(CalendarDuration(7, .day))))
        #expect(spec.window.start == .last(CalendarDuration(30, .day)))
        #expect(spec.window.end == .now)
        #expect(
            spec.exports.map(\.name) == ["posts", "tpi", "everything", "history", "convs", "tpi-ms", "agents", "view"])
        let posts = spec.exports[0]
        #expect(posts.type == .incomingPost)
        #expect(posts.selection.filters == [.workqueues: [15, 21], .priorities: [0, 5]])
        #expect(posts.splitBy == .workqueues)
        #expect(posts.chunk == .auto)
        #expect(posts.expectedRowsPerDay == 5000)
        #expect(posts.selection.businessHours == .within)
        #expect(posts.selection.columns == ["post_id", "received_time"])
        #expect(posts.locale == "fr" && posts.timezone == "Europe/Berlin")
        #expect(posts.location == SourceLocation(file: "spec.yaml", line: 15, column: 5))
        #expect(spec.api.limits == CompanyLimits(runningPerCompany: 4, queuedPerCompany: 50))
        let tpi = spec.exports[1]
        #expect(tpi.selection.timeIntervalMillis == 14_400_000)
        #expect(tpi.selection.includeDisabled == true)
        #expect(tpi.window?.start == .at(LocalDateTime(year: 2026, month: 11, day: 1)))
        #expect(tpi.window?.end == .at(LocalDateTime(year: 2026, month: 11, day: 8, hour: 12, minute: 30)))
        #expect(spec.exports[2].keepCombined)
        #expect(spec.exports[3].selection.raiseLimit == true)
        #expect(spec.exports[4].selection.conversationReportType == .created)
        #expect(spec.exports[5].selection.timeIntervalMillis == 86_400_000)
        #expect(spec.exports[6].selection.filters == [.teams: [1], .agents: [7, 8]])
        #expect(spec.exports[7].selection.filters == [.smartViews: [3]])
        var output = OutputConfig(dir: "results", stateDir: "state")
        (output.layout, output.partition, output.compression) = (.partitioned, .month, .gzip)
        output.load = spec.output.load
        #expect(spec.output == output)
        #expect(spec.output.load?.postgres.raw == "${WAREHOUSE_URL}")
        #expect(spec.output.load?.schema == "analytics" && spec.output.load?.passwordEnv == "DW_PASSWORD")
        #expect(
            spec.run
                == RunConfig(
                    outstandingPerUser: 2, attempts: 4, settle: CalendarDuration(3, .day),
                    minChunk: CalendarDuration(30, .minute), targetRowsPerJob: 100_000,
                    stuckAfter: CalendarDuration(12, .hour), deadline: CalendarDuration(8, .hour),
                    metricsFile: "metrics/test.prom", coordinator: .embedded,
                    coordinatorPasswordEnv: "EXPORTPIPE_PG_PASSWORD"))
        #expect(spec.sourceHash == SpecLoader.sha256Hex(Array(text.utf8)))
        #expect(spec.sourceHash.count == 64)
    }

    @Test func defaultsApplyWhenSectionsAreLeftOut() throws {
        let spec = try #require(
            load(specText(exports: "  - { name: a, type: response }"), file: "dir/nightly.yaml").spec)
        #expect(spec.defaults == Defaults())
        #expect(spec.output == OutputConfig())
        #expect(spec.run == RunConfig())
        #expect(spec.window.end == .at(LocalDateTime(year: 2026, month: 11, day: 1)))
        let unnamed = try #require(
            load(
                specText(exports: "  - { name: a, type: response }").replacingOccurrences(of: "name: test\n", with: ""),
                file: "dir/nightly.yaml"
            ).spec)
        #expect(unnamed.name == "nightly")
    }

    /// The issue's acceptance check: a typo'd key, a filter the type does not take and an inline password are
    /// three errors, each at its line and column, in one run.
    @Test func threeProblemsInOneRun() {
        let text = """
            version: 1
            api:
              base_url: simulator
              company_key: demo
              users:
                - username: demo
                  password: hunter2
            window: { last: 14d }
            exports:
              - name: states
                type: raw_agent_states
                filtres: { teams: [1] }
              - name: posts
                type: incoming_post
                filters: { teams: [1] }
            """
        let result = load(text)
        #expect(result.spec == nil)
        #expect(
            result.shorts == [
                "7:7: error: a password must not be written in the spec (api.users[0].password)",
                "12:5: error: unknown key 'filtres' in exports[0]",
                "15:16: error: type 'incoming_post' does not take filter 'teams'",
            ])
        #expect(
            result.fixes == [
                "put it in an environment variable and write 'password_env: NAME' (or 'password_file: PATH')",
                "did you mean 'filters'?",
                "type 'incoming_post' takes: priorities, smart_views, workqueues",
            ])
        #expect(!result.diagnostics.description.contains("hunter2"))
    }

    @Test func unknownKeysSuggestTheClosest() {
        let result = load(
            specText(exports: "  - { name: a, type: response, chunck: 1d, zzz: 1 }") + "\noutptu: { dir: x }")
        #expect(
            result.shorts == [
                "11:32: error: unknown key 'chunck' in exports[0]",
                "11:44: error: unknown key 'zzz' in exports[0]",
                "12:1: error: unknown key 'outptu' in the top level",
            ])
        #expect(result.fixes[0] == "did you mean 'chunk'?")
        #expect(result.fixes[1]?.hasPrefix("exports[0] takes: name, type, filters, split_by, chunk") == true)
        #expect(result.fixes[2] == "did you mean 'output'?")
    }

    @Test func extensionKeysHoldAnchors() throws {
        let text = specText(exports: "  - <<: *common\n    name: a\n  - <<: *common\n    name: b")
            .replacingOccurrences(of: "exports:\n", with: "x-common: &common { type: response, chunk: 1d }\nexports:\n")
        let spec = try #require(load(text).spec)
        #expect(spec.exports.map(\.type) == [.response, .response])
        #expect(spec.exports.map(\.chunk) == [.fixed(CalendarDuration(1, .day)), .fixed(CalendarDuration(1, .day))])
    }

    @Test func wrongTypesSayWhatWasExpectedAndWhatCame() {
        let result = load(
            specText(
                exports: """
                      - name: a
                        type: incoming_post
                        filters: { workqueues: 15, priorities: [1, x] }
                        expected_rows_per_day: many
                        business_hours: true
                    """))
        #expect(
            result.shorts == [
                "13:28: error: exports[0].filters.workqueues must be a list of integers, got the integer 15",
                "13:48: error: exports[0].filters.priorities must be a list of integers, got the string 'x' in it",
                "14:28: error: exports[0].expected_rows_per_day must be an integer, got the string 'many'",
                "15:21: error: exports[0].business_hours must be a string, got the boolean true",
            ])
        #expect(result.fixes[0] == "write a list: [15]")
    }

    @Test func sectionsMustBeMappings() {
        let result = load(specText(exports: "  - { name: a, type: response }") + "\nrun: [1]\noutput: out")
        #expect(
            result.shorts == [
                "12:6: error: run must be a mapping, got a list",
                "13:9: error: output must be a mapping, got the string 'out'",
            ])
    }

    @Test func unknownExportTypeListsTheValidOnes() {
        let result = load(specText(exports: "  - { name: a, type: conversations }"))
        #expect(result.shorts == ["11:22: error: unknown export type 'conversations'"])
        #expect(
            result.fixes == ["did you mean 'conversation'? valid types: " + ExportType.allIDs.joined(separator: ", ")])
    }

    @Test func filtersAndOptionsTheTypeDoesNotTake() {
        let result = load(
            specText(
                exports: """
                      - name: a
                        type: user
                        filters: { workqueues: [1] }
                        business_hours: within
                    """))
        #expect(
            result.shorts == [
                "13:16: error: type 'user' does not take filter 'workqueues'",
                "14:5: error: type 'user' does not take option 'business_hours'",
            ])
        #expect(result.fixes == ["type 'user' takes: agents, teams", "type 'user' takes: columns, include_disabled"])
    }

    @Test func requiredOptionMissing() {
        let result = load(specText(exports: "  - { name: a, type: team_performance_interval }"))
        #expect(
            result.shorts == [
                "11:22: error: type 'team_performance_interval' needs 'time_interval' (the bucket size, e.g. 'time_interval: 1h')"
            ])
    }

    @Test func timeIntervalAcceptsDocumentedValuesOnly() {
        let result = load(
            specText(
                exports: """
                      - { name: a, type: team_performance_interval, time_interval: 3h }
                      - { name: b, type: team_performance_interval, time_interval: 1234 }
                      - { name: c, type: team_performance_interval, time_interval: soon }
                      - { name: d, type: team_performance_interval, time_interval: 60min }
                    """))
        #expect(
            result.shorts == [
                "11:64: error: exports[0].time_interval '3h' is not an interval the API accepts",
                "12:64: error: exports[1].time_interval 1234 ms is not an interval the API accepts",
                "13:64: error: exports[2].time_interval 'soon' is not a duration",
            ])
        #expect(
            result.fixes[0]
                == "use one of 5min, 10min, 15min, 30min, 1h, 2h, 4h, 8h, 12h, 1d, 1w (or the same in milliseconds)")
    }

    @Test func splitByNeedsATakenFilterWithValues() {
        let result = load(
            specText(
                exports: """
                      - { name: a, type: raw_agent_states, split_by: workqueue }
                      - { name: b, type: raw_agent_states, split_by: team }
                      - { name: c, type: raw_agent_states, split_by: teem, filters: { teams: [1] } }
                      - { name: d, type: raw_agent_states, split_by: teams, filters: { teams: [1, 2] } }
                    """))
        #expect(
            result.shorts == [
                "11:50: error: exports[0].split_by 'workqueue': type 'raw_agent_states' does not take filter 'workqueues'",
                "12:50: error: exports[1].split_by 'team' has no values to split by",
                "13:50: error: exports[2].split_by 'teem' is not a filter",
            ])
        #expect(
            result.fixes == [
                "type 'raw_agent_states' takes: team",
                "list them in filters, e.g. 'filters: { teams: [175, 154] }'",
                "did you mean 'team'? split_by takes: agent, priority, smart_view, team, workqueue",
            ])
    }

    @Test func filterValuesAreCheckedOneByOne() {
        let result = load(
            specText(
                exports: """
                      - name: a
                        type: response
                        filters: { priorities: [0, 6, 0], workqueues: [], smart_views: [3, 4] }
                    """))
        #expect(
            result.shorts == [
                "13:32: error: priority 6 in exports[0].filters.priorities is outside 0…5",
                "13:35: error: priority 0 is listed twice in exports[0].filters.priorities",
                "13:51: error: exports[0].filters.workqueues is an empty list",
                "13:68: error: exports[0].filters.smart_views lists 2 smart views, but the API takes one per export",
            ])
        #expect(result.fixes[3] == "add 'split_by: smart_view' to run one job per smart view, or keep one")
    }

    @Test func emptyAndBackwardsWindows() {
        let backwards = load(
            specText(window: "window: { from: 2026-10-01, to: 2026-09-01 }", exports: "  - { name: a, type: response }")
        )
        #expect(
            backwards.shorts == ["9:17: error: window is empty: 'from' (2026-10-01) is not before 'to' (2026-09-01)"])
        let same = load(
            specText(window: "window: { from: 2026-10-01, to: 2026-10-01 }", exports: "  - { name: a, type: response }")
        )
        #expect(same.shorts == ["9:17: error: window is empty: 'from' (2026-10-01) is not before 'to' (2026-10-01)"])
        let future = load(specText(window: "window: { from: 2026-12-24 }", exports: "  - { name: a, type: response }"))
        #expect(
            future.shorts == [
                "9:17: error: window is empty: 2026-12-24 to today ends before it starts (today is 2026-11-29)"
            ])
    }

    @Test func anExportsWindowErrorNamesTheExportNotItsIndex() {
        let result = load(
            specText(
                window: "window: { last: 7d }",
                exports: """
                      - { name: posts, type: response }
                      - { name: responses, type: response, window: { from: 2026-10-01, to: 2026-09-01 } }
                    """))
        #expect(result.shorts.count == 1, "\(result.shorts)")
        let message = result.shorts.first ?? ""
        #expect(
            message.contains(
                "error: export 'responses' window is empty: 'from' (2026-10-01) is not before 'to' (2026-09-01)"),
            "\(message)")
        #expect(!message.contains("exports[1]"))
    }

    @Test func windowShapes() {
        let both = load(
            specText(window: "window: { from: 2026-10-01, last: 7d }", exports: "  - { name: a, type: response }"))
        #expect(both.shorts == ["9:29: error: window has both 'from' and 'last'"])
        let neither = load(specText(window: "window: { to: today }", exports: "  - { name: a, type: response }"))
        #expect(neither.shorts == ["9:1: error: window needs 'from' or 'last'"])
        let bad = load(
            specText(
                window: "window: { from: 2026-02-30, to: 2026-10-01T25:00 }", exports: "  - { name: a, type: response }"
            ))
        #expect(
            bad.shorts == [
                "9:17: error: window.from '2026-02-30' is not a date",
                "9:33: error: window.to '2026-10-01T25:00' is not a date",
            ])
        let word = load(specText(window: "window: { last: 7d, to: Today }", exports: "  - { name: a, type: response }"))
        #expect(word.shorts == ["9:25: error: window.to 'Today' is not a date, 'today' or 'now'"])
        #expect(word.fixes == ["did you mean 'today'? write YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS, 'today' or 'now'"])
        let offset = load(
            specText(
                window: "window: { from: '2026-10-01T00:00:00+02:00' }", exports: "  - { name: a, type: response }"))
        #expect(
            offset.shorts == ["9:17: error: window.from '2026-10-01T00:00:00+02:00' has a time zone offset ('+02:00')"])
        #expect(offset.fixes == ["remove it: dates and times are in the spec's time zone (UTC)"])
    }

    @Test func malformedDurations() {
        let result = load(
            specText(window: "window: { last: 7days }", exports: "  - { name: a, type: response, chunk: 7 }")
                + "\nrun: { settle: -1d, min_chunk: 0h, stuck_after: soon }")
        #expect(
            result.shorts == [
                "9:17: error: window.last '7days' is not a duration",
                "11:39: error: exports[0].chunk '7' has no unit",
                "12:16: error: run.settle '-1d' is not a duration",
                "12:32: error: run.min_chunk '0h' is not a duration",
                "12:49: error: run.stuck_after 'soon' is not a duration",
            ])
        #expect(result.fixes[0] == "write a whole number and a unit: 90min, 6h, 1d, 2w, 1mo")
        #expect(result.fixes[1] == "write a whole number and a unit: 90min, 6h, 1d, 2w, 1mo, e.g. '7d'")
    }

    @Test func metricsFileMustNameAFileAndShouldEndInProm() {
        let exports = "  - { name: a, type: response }"
        let folder = load(specText(exports: exports) + "\nrun: { metrics_file: metrics/ }")
        #expect(folder.shorts == ["12:22: error: run.metrics_file must name a file, not 'metrics/'"])
        #expect(folder.spec == nil)
        let text = load(specText(exports: exports) + "\nrun: { metrics_file: metrics/exportpipe.txt }")
        #expect(text.shorts == ["12:22: warning: run.metrics_file 'metrics/exportpipe.txt' does not end in .prom"])
        #expect(text.fixes == ["node_exporter's textfile collector reads only *.prom files"])
        #expect(text.spec?.run.metricsFile == "metrics/exportpipe.txt")
        #expect(load(specText(exports: exports)).spec?.run.metricsFile == nil)
    }

    @Test func chunksLongerThanTheAPIRangeAreErrors() {
        let result = load(
            specText(
                exports: "  - { name: a, type: response, chunk: 4mo }\n  - { name: b, type: response, chunk: 13w }"))
        #expect(
            result.shorts == [
                "11:39: error: exports[0].chunk 4mo is longer than the 3-month range one export may cover",
                "12:39: error: exports[1].chunk 13w is longer than the 3-month range one export may cover",
            ])
    }

    @Test func unknownTimeZonesAndLocales() {
        let text = specText(exports: "  - { name: a, type: response, timezone: Mars/Olympus, locale: en_US }")
            .replacingOccurrences(
                of: "exports:", with: "defaults: { timezone: America/New_Yrok, locale: pt }\nexports:")
        let result = load(text)
        #expect(
            result.shorts == [
                "10:23: error: unknown time zone 'America/New_Yrok' in defaults.timezone",
                "10:49: warning: locale 'pt' in defaults.locale is not one the API documents",
                "12:42: error: unknown time zone 'Mars/Olympus' in exports[0].timezone",
            ])
        #expect(result.fixes[0] == "did you mean 'America/New_York'?")
        #expect(result.fixes[1] == "documented locales: en, es, fr, de, tr, en_US")
    }

    @Test func unknownLocaleAloneIsOnlyAWarning() throws {
        let result = load(specText(exports: "  - { name: a, type: response, locale: pt_BR }"))
        #expect(result.shorts == ["11:40: warning: locale 'pt_BR' in exports[0].locale is not one the API documents"])
        #expect(result.spec != nil)
    }

    @Test func retentionIsAWarningRelativeToToday() throws {
        let old = load(
            specText(window: "window: { from: 2025-05-01, to: 2025-07-01 }", exports: "  - { name: a, type: response }")
        )
        #expect(
            old.shorts == [
                "9:17: warning: window (2025-05-01 to 2025-07-01) reaches back before 2025-05-29, past the API's 18-month retention; that part exports no rows"
            ])
        #expect(old.fixes == ["start the window on or after 2025-05-29"])
        #expect(old.spec != nil)
        let edge = load(specText(window: "window: { last: 18mo }", exports: "  - { name: a, type: response }"))
        #expect(edge.diagnostics.isEmpty)
        let past = load(specText(window: "window: { last: 19mo }", exports: "  - { name: a, type: response }"))
        #expect(
            past.shorts.first?.hasPrefix(
                "9:17: warning: window (the last 19mo to today) reaches back before 2025-05-29") == true)
        // The same window a year earlier is within retention.
        let earlier = Date(timeInterval: -365 * 86_400, since: fixedNow)
        let fine = load(
            specText(
                window: "window: { from: 2025-05-01, to: 2025-07-01 }", exports: "  - { name: a, type: response }"),
            now: earlier)
        #expect(fine.diagnostics.isEmpty)
    }

    @Test func aggregatesCannotBeSplitByTimeOrSpanMoreThanThreeMonths() {
        let result = load(
            specText(
                window: "window: { last: 6mo }",
                exports: """
                      - { name: a, type: user }
                      - { name: b, type: team_performance, window: { last: 3mo } }
                      - { name: c, type: author, window: { last: 2mo }, chunk: 1w }
                      - { name: d, type: conversation }
                      - { name: e, type: conversation, conversation_report_type: CLOSED }
                      - { name: f, type: conversation, conversation_report_type: OPEN_AT_END, window: { from: 2026-06-01, to: 2026-09-02 } }
                    """))
        #expect(
            result.shorts == [
                "11:22: error: export 'a' covers the last 6mo to today (the pipeline window), longer than the API's 3-month range, and cannot be split by time: type 'user' totals each row over the whole window",
                "13:60: error: export 'c' cannot be chunked by time: type 'author' totals each row over the whole window, so splitting it would change its numbers",
                "14:22: error: export 'd' covers the last 6mo to today (the pipeline window), longer than the API's 3-month range, and cannot be split by time: a conversation export with conversation_report_type OPEN_AT_END (the API's default) is a snapshot at the window's end",
                "16:22: error: export 'f' covers 2026-06-01 to 2026-09-02 (its window), longer than the API's 3-month range, and cannot be split by time: a conversation export with conversation_report_type OPEN_AT_END (the API's default) is a snapshot at the window's end",
            ])
        #expect(
            result.fixes[0] == "give export 'a' its own 'window' of at most 3 months (e.g. 'window: { last: 3mo }')")
        #expect(
            result.fixes[2]
                == "set 'conversation_report_type: CLOSED' or 'CREATED' (these split by time), or give export 'd' a 'window' of at most 3 months"
        )
    }

    @Test func duplicateExportNames() {
        let result = load(specText(exports: "  - { name: a, type: response }\n  - { name: a, type: nonsense }"))
        #expect(
            result.shorts == [
                "12:13: error: export name 'a' is used twice (first at line 11, column 13)",
                "12:22: error: unknown export type 'nonsense'",
            ])
    }

    @Test func exportNamesMustBeFileNames() {
        let result = load(specText(exports: "  - { name: '../x', type: response }"))
        #expect(result.shorts == ["11:13: error: export name '../x' cannot be a file name"])
    }

    @Test func keepCombinedOnlyOnCombined() {
        let result = load(specText(exports: "  - { name: a, type: response, keep_combined: true }"))
        #expect(result.shorts == ["11:32: error: keep_combined only applies to type 'combined', not 'response'"])
    }

    @Test func missingRequiredKeys() {
        let text = "version: 1\napi:\n  base_url: simulator\nexports:\n  - { type: response }\n"
        let result = load(text)
        #expect(
            result.shorts == [
                "1:1: error: the spec has no 'window'",
                "2:1: error: api is missing 'company_key'",
                "2:1: error: api is missing 'users'",
                "5:5: error: exports[0] is missing 'name'",
            ])
    }

    @Test func versionMustBeOne() {
        let two = load(
            specText(exports: "  - { name: a, type: response }").replacingOccurrences(
                of: "version: 1", with: "version: 2"))
        #expect(two.shorts == ["1:10: error: spec version 2 is not supported; this exportpipe reads version 1"])
        let none = load(
            specText(exports: "  - { name: a, type: response }").replacingOccurrences(of: "version: 1\n", with: ""))
        #expect(none.shorts == ["1:1: error: the spec has no 'version'"])
    }

    @Test func passwordSources() {
        let text = """
            version: 1
            api:
              base_url: simulator
              company_key: demo
              users:
                - { username: a, password_env: "${PW}" }
                - { username: b, password_env: PW, password_file: f }
                - { username: c }
                - { username: d, password_env: "not a name" }
                - { username: a, password_env: PW }
            window: { last: 1d }
            exports: [{ name: a, type: response }]
            """
        let result = load(text)
        #expect(
            result.shorts == [
                "6:36: error: api.users[0].password_env takes the variable's name, not a reference to it",
                "7:40: error: api.users[1] has both password_env and password_file",
                "8:7: error: api.users[2] is missing 'password_env'",
                "9:36: error: api.users[3].password_env must name an environment variable (letters, digits and '_')",
                "10:7: error: user 'a' is listed twice in api.users (first at line 6)",
            ])
        #expect(result.fixes[0] == "write 'password_env: PW'")
        #expect(!result.diagnostics.description.contains("not a name"))
    }

    @Test func baseURLForms() {
        func check(_ url: String) -> [String] {
            let text = specText(exports: "  - { name: a, type: response }")
                .replacingOccurrences(of: "base_url: simulator", with: "base_url: \(url)")
                .replacingOccurrences(of: "company_key: demo", with: "company_key: ${KEY}")
            return load(text).shorts
        }
        #expect(check("https://analytics-api.app.lithium.com").isEmpty)
        #expect(check("${ANALYTICS_API_URL}").isEmpty)
        #expect(check("http://localhost:8080").isEmpty)
        #expect(check("ftp://host") == ["4:13: error: api.base_url 'ftp://host' is not an http(s) URL with a host"])
        #expect(check("analytics") == ["4:13: error: api.base_url 'analytics' is not a URL"])
        #expect(check("https://u:secret@host") == ["4:13: error: api.base_url contains a user name or password"])
        #expect(
            check("http://analytics.example.com")
                == [
                    "4:13: warning: api.base_url uses http: passwords and the company key would cross the network unencrypted"
                ])
    }

    @Test func literalCompanyKeyIsAWarningExceptOnTheSimulator() {
        let text = specText(exports: "  - { name: a, type: response }")
            .replacingOccurrences(of: "base_url: simulator", with: "base_url: https://h.example.com")
        let result = load(text.replacingOccurrences(of: "company_key: demo", with: "company_key: abc123"))
        #expect(result.shorts == ["5:16: warning: api.company_key is written in the file; a company key is a secret"])
        #expect(!result.diagnostics.description.contains("abc123"))
    }

    @Test func interpolationSyntaxIsCheckedAtItsColumn() {
        let text = specText(exports: "  - { name: a, type: response }")
            .replacingOccurrences(of: "company_key: demo", with: "company_key: key-${COMPANY")
            .replacingOccurrences(of: "username: demo", with: "username: \"${bad-name}\"")
        let result = load(text)
        #expect(
            result.shorts == [
                "5:20: error: '${' is not closed in api.company_key",
                "7:18: error: '${bad-name}' is not a valid variable reference in api.users[0].username",
            ])
    }

    @Test func runSettings() {
        let result = load(
            specText(exports: "  - { name: a, type: response }")
                + "\nrun: { outstanding_per_user: 4, attempts: 0, target_rows_per_job: 10 }")
        #expect(
            result.shorts == [
                "12:30: warning: run.outstanding_per_user 4 is above the vendor's best practice of 2 per user",
                "12:43: error: run.attempts must be between 1 and 10, got 0",
                "12:67: error: run.target_rows_per_job must be between 1000 and 50000000, got 10",
            ])
        let over = load(specText(exports: "  - { name: a, type: response }") + "\nrun: { outstanding_per_user: 6 }")
        #expect(
            over.shorts == [
                "12:30: error: run.outstanding_per_user 6 is over the API's limit of 5 queued exports per user"
            ])
    }

    @Test func outputDirsMustDiffer() {
        let result = load(
            specText(exports: "  - { name: a, type: response }") + "\noutput: { dir: out, state_dir: out }")
        #expect(result.shorts.count == 1)
        #expect(result.shorts.first?.hasPrefix("12:32: error: output.state_dir 'out' (") == true, "\(result.shorts)")
        #expect(result.shorts.first?.hasSuffix(") is the same folder as output.dir 'out'") == true)
    }

    @Test func unknownColumnsSuggestAndList() {
        let result = load(specText(exports: "  - { name: a, type: user, columns: [agent_id, agent_nam, agent_id] }"))
        #expect(
            result.shorts == [
                "11:48: error: unknown column 'agent_nam' for type 'user'",
                "11:59: error: 'agent_id' is listed twice in exports[0].columns",
            ])
        #expect(
            result.fixes.contains {
                $0?.hasPrefix("did you mean 'agent_name'? type 'user' has columns: agent_id,") == true
            })
    }

    @Test func problemsArriveSortedByLocation() {
        let result = load(
            specText(exports: "  - { name: a, type: nope }\n  - { name: b, type: response, zz: 1 }") + "\nfoo: 1")
        let locations = result.diagnostics.map(\.location)
        #expect(locations == locations.sorted())
        #expect(result.diagnostics.count == 3)
    }

    @Test func enumeratedWordsSuggestTheSpelling() {
        let result = load(
            specText(
                exports: """
                      - { name: a, type: conversation, conversation_report_type: closed }
                      - { name: b, type: response, business_hours: office }
                    """))
        #expect(
            result.shorts == [
                "11:62: error: exports[0].conversation_report_type 'closed' is not one of the accepted values",
                "12:48: error: exports[1].business_hours 'office' is not one of the accepted values",
            ])
        #expect(
            result.fixes == [
                "did you mean 'CLOSED'? valid values: OPEN_AT_END, CLOSED, CREATED",
                "valid values: all, within, outside",
            ])
    }

    @Test func topLevelMustBeAMapping() {
        let result = load("- version: 1\n")
        #expect(result.shorts == ["1:1: error: the top level must be a mapping, got a list"])
        #expect(
            result.fixes[0]?.hasPrefix("write it as 'key: value' lines; the top level takes: version, name, api")
                == true)
    }

    @Test func missingFileIsOneErrorWithoutALine() {
        let result = SpecLoader.load(contentsOf: "/nonexistent/spec.yaml")
        #expect(result.shorts == ["0:0: error: no such file"])
        #expect(result.spec == nil)
    }

    @Test func loadsFromDiskAndHashesTheBytes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exportpipe-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = specText(exports: "  - { name: a, type: response }")
        let path = dir.appendingPathComponent("p.yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let result = SpecLoader.load(contentsOf: path, now: fixedNow)
        let spec = try #require(result.spec)
        #expect(spec.file == path)
        #expect(spec.sourceHash == SpecLoader.sha256Hex(Array(text.utf8)))
        #expect(SpecLoader.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SpecLoader.load(contentsOf: dir.path).shorts == ["0:0: error: is a folder, not a spec file"])
    }
}

@Suite("run.coordinator and api.limits")
struct CoordinatorSpecTests {
    @Test func coordinatorForms() {
        #expect(CoordinatorSetting.parse("embedded") == .success(.embedded))
        #expect(CoordinatorSetting.parse("none") == .success(.none))
        #expect(
            CoordinatorSetting.parse("postgres://runner@db:5432/exports?schema=team_a")
                == .success(.postgres(url: "postgres://runner@db:5432/exports?schema=team_a")))
        guard case .failure(let withPassword) = CoordinatorSetting.parse("postgres://runner:hunter22@db/exports")
        else {
            Issue.record("a URL with a password was accepted")
            return
        }
        #expect(!withPassword.description.contains("hunter22"))
        // From the environment (EXPORTPIPE_COORDINATOR) the password may ride in the URL; it is never printed.
        guard
            case .success(let fromEnvironment) = CoordinatorSetting.parse(
                "postgres://runner:hunter22@db/exports", passwordAllowed: true)
        else {
            Issue.record("a URL with a password from the environment was refused")
            return
        }
        #expect(fromEnvironment.description == "postgres://runner:<redacted>@db/exports")
        guard case .failure = CoordinatorSetting.parse("mysql://db/x") else {
            Issue.record("mysql accepted")
            return
        }
    }

    @Test func coordinatorErrorsHaveTheirLineAndColumn() {
        let spec = """
            version: 1
            api: { base_url: simulator, company_key: k, users: [{ username: u, password_env: P }] }
            window: { last: 7d }
            exports: [{ name: a, type: response }]
            run: { coordinator: "postgres://u:secret@db/x" }
            """
        let result = SpecLoader.load(source: spec, file: "c.yaml", now: Date())
        let messages = result.diagnostics.map(\.description)
        #expect(messages.contains { $0.contains("c.yaml:5:") && $0.contains("run.coordinator") }, "\(messages)")
        #expect(!messages.joined().contains("secret"))
    }

    @Test func theCoordinatorsPasswordComesFromANamedVariableNeverTheSpec() {
        func load(_ value: String) -> SpecLoadResult {
            let spec = """
                version: 1
                api: { base_url: simulator, company_key: k, users: [{ username: u, password_env: P }] }
                window: { last: 7d }
                exports: [{ name: a, type: response }]
                run: { coordinator: "postgres://runner@db/x", coordinator_password_env: \(value) }
                """
            return SpecLoader.load(source: spec, file: "p.yaml", now: Date())
        }
        let named = load("EXPORTPIPE_PG_PASSWORD")
        #expect(named.diagnostics.filter { $0.severity == .error }.isEmpty, "\(named.diagnostics)")
        #expect(named.spec?.run.coordinatorPasswordEnv == "EXPORTPIPE_PG_PASSWORD")
        let pasted = load("\"hunter2 and more\"")
        let messages = pasted.diagnostics.map(\.description)
        #expect(
            messages.contains { $0.contains("p.yaml:5:") && $0.contains("run.coordinator_password_env") },
            "\(messages)")
        #expect(!messages.joined().contains("hunter2"))
    }

    @Test func apiLimits() {
        let spec = """
            version: 1
            api:
              base_url: simulator
              company_key: k
              users: [{ username: u, password_env: P }]
              limits: { running_per_company: 8, queued_per_company: 4 }
            window: { last: 7d }
            exports: [{ name: a, type: response }]
            """
        let result = SpecLoader.load(source: spec, file: "l.yaml", now: Date())
        let messages = result.diagnostics.map(\.description)
        #expect(messages.contains { $0.contains("l.yaml:6:") && $0.contains("queued_per_company 4") }, "\(messages)")
    }
}
