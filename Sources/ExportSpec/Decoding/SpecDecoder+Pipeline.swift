import AnalyticsAPI
import Foundation

/// The top level and the small sections: `version`, `name`, `defaults`, `output`, `run`.
extension SpecDecoder {
    mutating func decodePipeline(_ root: YAMLNode, sourceHash: String) -> PipelineSpec? {
        if case .null? = root.scalar?.resolved {
            error(
                YAMLNode(root.content, line: 1, column: 1), "the file has no content",
                fix: "a pipeline file is a YAML mapping that starts with 'version: 1'")
            return nil
        }
        guard
            let top = section(
                root, keyNode: nil, path: "the top level", fields: SpecVocabulary.topLevel, allowsExtensions: true)
        else {
            return nil
        }
        var version: Int?
        if let node = top.value("version") {
            if case .int(let value)? = node.scalar?.resolved, value != 1 {
                error(
                    node, "spec version \(value) is not supported; this exportpipe reads version 1",
                    fix: "write 'version: 1'")
            } else if let value = integer(node, "version", in: 1...1) {
                version = Int(value)
            }
        } else {
            error(root, "the spec has no 'version'", fix: "start the file with 'version: 1'")
        }
        var name = Self.defaultName(file: file)
        if let node = top.value("name"), let value = string(node, "name") { name = value }

        var defaults = Defaults()
        if let node = top.value("defaults"), let decoded = decodeDefaults(node, keyNode: top.key("defaults")) {
            defaults = decoded
        }
        var window: WindowSpec?
        if let node = top.value("window") {
            window = decodeWindow(node, keyNode: top.key("window"), path: "window", timeZone: defaults.timezone)
        } else {
            error(
                root, "the spec has no 'window'",
                fix: "add e.g. 'window: { last: 30d }' or 'window: { from: 2025-06-01, to: 2025-09-01 }'")
        }
        var api: APIConfig?
        if let node = top.value("api") {
            api = decodeAPI(node, keyNode: top.key("api"))
        } else {
            error(root, "the spec has no 'api'", fix: "add an 'api:' section with base_url, company_key and users")
        }
        var exports: [ExportEntry] = []
        if let node = top.value("exports") {
            exports = decodeExports(node, defaults: defaults, window: window)
        } else {
            error(root, "the spec has no 'exports'", fix: "add an 'exports:' list with at least one export")
        }
        var output = OutputConfig()
        if let node = top.value("output"), let decoded = decodeOutput(node, keyNode: top.key("output")) {
            output = decoded
        }
        var run = RunConfig()
        if let node = top.value("run"), let decoded = decodeRun(node, keyNode: top.key("run")) { run = decoded }

        guard !hasErrors, let version, let api, let window else { return nil }
        return PipelineSpec(
            file: file, version: version, name: name, api: api, defaults: defaults, window: window, exports: exports,
            output: output, run: run, sourceHash: sourceHash)
    }

    /// The file name without folders and extension: `pipelines/nightly.yaml` → `nightly`.
    static func defaultName(file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        if let dot = base.lastIndex(of: "."), dot != base.startIndex { return String(base[..<dot]) }
        return base
    }

    private mutating func decodeDefaults(_ node: YAMLNode, keyNode: YAMLNode?) -> Defaults? {
        guard let section = section(node, keyNode: keyNode, path: "defaults", fields: SpecVocabulary.defaults) else {
            return nil
        }
        var defaults = Defaults()
        if let value = section.value("timezone"), let zone = timeZone(value, "defaults.timezone") {
            defaults.timezone = zone
        }
        if let value = section.value("locale"), let locale = locale(value, "defaults.locale") {
            defaults.locale = locale
        }
        if let value = section.value("chunk"), let chunk = chunk(value, "defaults.chunk") { defaults.chunk = chunk }
        return defaults
    }

    private mutating func decodeOutput(_ node: YAMLNode, keyNode: YAMLNode?) -> OutputConfig? {
        guard let section = section(node, keyNode: keyNode, path: "output", fields: SpecVocabulary.output) else {
            return nil
        }
        var output = OutputConfig()
        if let value = section.value("dir"), let dir = string(value, "output.dir") { output.dir = dir }
        if let value = section.value("load") { output.load = decodeLoad(value, keyNode: section.key("load")) }
        var stateNode = section.value("dir") ?? node
        if let value = section.value("state_dir"), let dir = string(value, "output.state_dir") {
            output.stateDir = dir
            stateNode = value
        }
        decodeLayout(section, into: &output)
        let paths = StateDirectoryRule(
            specFile: file, stateDir: output.stateDir, outputDir: output.dir,
            home: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
        if let problem = paths.problem {
            error(stateNode, problem.message, fix: problem.fix)
            return nil
        }
        return output
    }

    private mutating func decodeRun(_ node: YAMLNode, keyNode: YAMLNode?) -> RunConfig? {
        guard let section = section(node, keyNode: keyNode, path: "run", fields: SpecVocabulary.run) else {
            return nil
        }
        var run = RunConfig()
        if let value = section.value("outstanding_per_user") {
            let queued = Int64(QueueLimits.documented.queuedPerUser)
            if case .int(let number)? = value.scalar?.resolved, number > queued {
                error(
                    value,
                    "run.outstanding_per_user \(number) is over the API's limit of \(queued) queued exports per user",
                    fix: "use at most \(queued); the vendor recommends \(APILimits.bestPracticeOutstandingPerUser)")
            } else if let number = integer(value, "run.outstanding_per_user", in: 1...queued) {
                run.outstandingPerUser = Int(number)
                if number > Int64(APILimits.bestPracticeOutstandingPerUser) {
                    warning(
                        value,
                        "run.outstanding_per_user \(number) is above the vendor's best practice of \(APILimits.bestPracticeOutstandingPerUser) per user",
                        fix: "jobs past 2 wait in the API's queue; add users to go faster")
                }
            }
        }
        if let value = section.value("attempts"), let number = integer(value, "run.attempts", in: 1...10) {
            run.attempts = Int(number)
        }
        if let value = section.value("settle"), let settle = duration(value, "run.settle") { run.settle = settle }
        if let value = section.value("min_chunk"), let size = duration(value, "run.min_chunk") { run.minChunk = size }
        if let value = section.value("stuck_after"), let limit = duration(value, "run.stuck_after") {
            run.stuckAfter = limit
        }
        if let value = section.value("deadline"), let limit = duration(value, "run.deadline") {
            if limit.unit == .month {
                error(value, "run.deadline cannot be in months", fix: "write it in hours or days, e.g. '8h' or '2d'")
            } else {
                run.deadline = limit
            }
        }
        if let value = section.value("metrics_file"), let path = string(value, "run.metrics_file") {
            if path.isEmpty || path.hasSuffix("/") {
                error(
                    value, "run.metrics_file must name a file, not '\(path)'",
                    fix: "e.g. 'metrics_file: /var/lib/node_exporter/textfile/exportpipe.prom'")
            } else if !path.hasSuffix(".prom") {
                warning(
                    value, "run.metrics_file '\(path)' does not end in .prom",
                    fix: "node_exporter's textfile collector reads only *.prom files")
                run.metricsFile = path
            } else {
                run.metricsFile = path
            }
        }
        if let value = section.value("target_rows_per_job"),
            let number = integer(value, "run.target_rows_per_job", in: 1_000...50_000_000)
        {
            run.targetRowsPerJob = Int(number)
        }
        if let value = section.value("coordinator"), let text = string(value, "run.coordinator") {
            switch CoordinatorSetting.parse(text) {
            case .success(let setting): run.coordinator = setting
            case .failure(let problem):
                error(
                    value, "run.coordinator: \(problem.description)",
                    fix: "write 'coordinator: embedded' (the default), 'none', or "
                        + "'postgres://runner@db.example.com:5432/exports' with the password in PGPASSWORD")
            }
        }
        if let value = section.value("coordinator_password_env"),
            let name = string(value, "run.coordinator_password_env")
        {
            if Interpolated.isValidName(name) {
                run.coordinatorPasswordEnv = name
            } else {
                // The value may be a password pasted in the wrong place: do not echo it.
                error(
                    value, "run.coordinator_password_env must name an environment variable (letters, digits and '_')",
                    fix: "write the variable's name, e.g. 'coordinator_password_env: EXPORTPIPE_PG_PASSWORD', never "
                        + "the password")
            }
        }
        return run
    }
}
