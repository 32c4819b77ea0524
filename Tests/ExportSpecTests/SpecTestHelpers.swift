import ExportSpec
import Foundation

/// The instant tests evaluate `today`, `now` and retention against: 2026-11-29 12:00 UTC.
let fixedNow = Date(timeIntervalSince1970: 1_795_953_600)

/// A valid spec whose exports start at line 11; `window` replaces line 9.
func specText(window: String = "window: { from: 2026-10-01, to: 2026-11-01 }", exports: String) -> String {
    """
    version: 1
    name: test
    api:
      base_url: simulator
      company_key: demo
      users:
        - username: demo
          password_env: DEMO_PASSWORD
    \(window)
    exports:
    \(exports)
    """
}

func load(_ text: String, file: String = "spec.yaml", now: Date = fixedNow) -> SpecLoadResult {
    SpecLoader.load(source: text, file: file, now: now)
}

extension Diagnostic {
    /// `line:col: severity: message`, for exact comparisons.
    var short: String { "\(location.line):\(location.column): \(severity.rawValue): \(message)" }
}

extension SpecLoadResult {
    var shorts: [String] { diagnostics.map(\.short) }
    var fixes: [String?] { diagnostics.map(\.fix) }
}

/// A spec that uses every key the validator accepts, and validates clean.
let fullSpecText = """
    version: 1
    name: full
    api:
      base_url: https://analytics-api.app.lithium.com
      company_key: ${ANALYTICS_COMPANY_KEY}
      users:
        - username: ${ANALYTICS_USER}
          password_env: ANALYTICS_PASSWORD
        - username: second
          password_file: secrets/second.txt
      limits: { running_per_company: 4, queued_per_company: 50 }
    defaults: { timezone: America/New_York, locale: es, chunk: 7d }
    window: { last: 30d, to: now }
    exports:
      - name: posts
        type: incoming_post
        filters: { workqueues: [15, 21], priorities: [0, 5] }
        split_by: workqueue
        chunk: auto
        expected_rows_per_day: 5000
        business_hours: within
        columns: [post_id, received_time]
        locale: fr
        timezone: Europe/Berlin
        merge: { time_column: Received Time, id_column: Post ID, key: [Post ID] }
      - name: tpi
        type: team_performance_interval
        time_interval: 4h
        include_disabled: true
        window: { from: 2026-11-01, to: 2026-11-08T12:30 }
      - name: everything
        type: combined
        keep_combined: true
      - name: history
        type: conversation_history_action
        raise_limit: true
      - name: convs
        type: conversation
        conversation_report_type: CREATED
      - name: tpi-ms
        type: team_performance_interval
        time_interval: 86400000
      - name: agents
        type: user
        filters: { teams: [1], agents: [7, 8] }
      - name: view
        type: incoming_post
        filters: { smart_views: [3] }
    output:
      dir: results
      state_dir: state
      layout: partitioned
      partition: month
      compression: gzip
      load: { postgres: '${WAREHOUSE_URL}', schema: analytics, password_env: DW_PASSWORD }
    run: { outstanding_per_user: 2, attempts: 4, settle: 3d, min_chunk: 30min, target_rows_per_job: 100000, stuck_after: 12h,
           deadline: 8h, metrics_file: metrics/test.prom, coordinator: embedded,
           coordinator_password_env: EXPORTPIPE_PG_PASSWORD }
    """
