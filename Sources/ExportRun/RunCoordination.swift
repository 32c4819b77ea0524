import AnalyticsAPI
import ExportBasics
import ExportCoordination
import ExportExecutor
import ExportSpec
import Foundation

/// Which coordinator a run shares the company's queue slots through, and how it is opened (docs/coordination.md).
///
/// One precedence rule: `--coordinator`, else `EXPORTPIPE_COORDINATOR`, else the spec's `run.coordinator`, else
/// `embedded`.
public enum RunCoordination {
    /// The setting in force and where it came from ("--coordinator", "EXPORTPIPE_COORDINATOR", "run.coordinator",
    /// "the default").
    public static func setting(
        flag: String?, environment: [String: String], spec: CoordinatorSetting?
    ) throws -> (setting: CoordinatorSetting, source: String) {
        if let flag {
            return (try parse(flag, source: "--coordinator", passwordAllowed: false), "--coordinator")
        }
        if let variable = environment["EXPORTPIPE_COORDINATOR"], !variable.isEmpty {
            // A URL with its password in an environment variable is the ecosystem's convention (DATABASE_URL).
            return (
                try parse(variable, source: "EXPORTPIPE_COORDINATOR", passwordAllowed: true), "EXPORTPIPE_COORDINATOR"
            )
        }
        if let spec { return (spec, "run.coordinator") }
        return (.embedded, "the default")
    }

    private static func parse(_ text: String, source: String, passwordAllowed: Bool) throws -> CoordinatorSetting {
        switch CoordinatorSetting.parse(text, passwordAllowed: passwordAllowed) {
        case .success(let setting): return setting
        case .failure(let problem): throw CoordinatorSettingError("\(source): \(problem.description)")
        }
    }

    /// Opens the coordinator `setting` names. The embedded store lives under `$XDG_STATE_HOME/exportpipe/`, else
    /// `~/.local/state/exportpipe/`; PostgreSQL takes its password from the URL (only one from the environment can
    /// carry it), else the variable `passwordVariable` names (the spec's `run.coordinator_password_env`), else
    /// `PGPASSWORD`.
    /// - Throws: `CoordinationError` when the store cannot be opened (the run then submits nothing), or when
    ///   `passwordVariable` is not set.
    public static func open(
        _ setting: CoordinatorSetting, passwordVariable: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> TableCoordinator {
        let timing = timing(environment: environment)
        switch setting {
        case .none:
            return TableCoordinator.inProcess(timing: timing)
        case .embedded:
            return try TableCoordinator.embedded(
                stateHome: TableCoordinator.defaultStateHome(environment: environment), timing: timing)
        case .postgres(let url):
            var password: String?
            if let passwordVariable {
                guard let value = environment[passwordVariable], !value.isEmpty else {
                    throw CoordinationError.configuration(
                        "run.coordinator_password_env names \(passwordVariable), which is not set where this runs: "
                            + "set it to the coordinator's password (or remove the key to use PGPASSWORD)")
                }
                password = value
            }
            let settings = try PostgresSettings(url: url, password: password, environment: environment)
            return try await TableCoordinator.postgres(settings, timing: timing)
        }
    }

    /// The lease protocol's durations; `EXPORTPIPE_LEASE_SECONDS` and `EXPORTPIPE_NO_JOB_GRACE_SECONDS` shorten
    /// them (tests and benchmarks that kill runners; leave them alone otherwise).
    public static func timing(environment: [String: String]) -> CoordinationTiming {
        var timing = CoordinationTiming.standard
        if let lease = environment["EXPORTPIPE_LEASE_SECONDS"].flatMap(Double.init), lease > 0 {
            timing.leaseDuration = lease
            timing.orphanProbeInterval = min(timing.orphanProbeInterval, max(0.2, lease / 2))
        }
        if let grace = environment["EXPORTPIPE_NO_JOB_GRACE_SECONDS"].flatMap(Double.init), grace > 0 {
            timing.noJobGrace = grace
        }
        return timing
    }

    /// Who this run is in the coordinator: the pipeline, this host (or `EXPORTPIPE_HOST_ID`, for runners whose
    /// host names say nothing, e.g. containers) and this process.
    ///
    /// `stateDirectory` makes the holder's `instance`: the digest of the host and the state directory's absolute
    /// path, so the next run of the same state directory can reclaim what a killed run left.
    public static func holder(pipeline: String, environment: [String: String], stateDirectory: String? = nil)
        -> HolderIdentity
    {
        var holder = HolderIdentity.current(pipeline: pipeline)
        if let host = environment["EXPORTPIPE_HOST_ID"], !host.isEmpty { holder.host = host }
        if let stateDirectory {
            let absolute = URL(fileURLWithPath: stateDirectory).standardizedFileURL.path
            holder.instance = String(Hex.sha256(Array((holder.host + "\n" + absolute).utf8)).prefix(32))
        }
        return holder
    }

    /// The company's slot limits from the spec: `run.outstanding_per_user` and `api.limits`.
    /// - Throws: `CoordinationError.invalidLimits` when they contradict each other.
    public static func limits(_ spec: PipelineSpec) throws -> SlotLimits {
        try SlotLimits(
            outstandingPerUser: spec.run.outstandingPerUser, runningPerCompany: spec.api.limits.runningPerCompany,
            queuedPerCompany: spec.api.limits.queuedPerCompany)
    }

    /// The queue limits the executor's core plans with: the documented per-user ones, the spec's company ones.
    public static func queueLimits(_ spec: PipelineSpec) -> QueueLimits {
        var limits = QueueLimits.documented
        limits.runningPerCompany = spec.api.limits.runningPerCompany
        limits.queuedPerCompany = spec.api.limits.queuedPerCompany
        return limits
    }

    /// Everything the executor needs to share the slots of the company `companyKey` at `baseURL`.
    /// - Throws: `CoordinationError` for a base URL without a host or contradictory limits.
    public static func executorCoordination(
        _ coordinator: TableCoordinator, spec: PipelineSpec, baseURL: String, companyKey: String,
        environment: [String: String], stateDirectory: String? = nil
    ) throws -> ExecutorCoordination {
        guard let url = URL(string: baseURL) else {
            throw CoordinationError.configuration("the API base URL \(baseURL) is not a URL")
        }
        return ExecutorCoordination(
            coordinator: coordinator, scope: try SlotScope(baseURL: url, companyKey: companyKey),
            limits: try limits(spec),
            holder: holder(pipeline: spec.name, environment: environment, stateDirectory: stateDirectory))
    }
}
