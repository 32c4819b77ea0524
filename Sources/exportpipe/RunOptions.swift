import AnalyticsSimulator
import ArgumentParser
import ExportSpec
import Foundation

/// The options `run` and `retry` share.
struct RunOptions: ParsableArguments {
    @Option(help: "Progress display: auto (bars on a terminal, plain lines otherwise), tty, plain or json.")
    var progress: ProgressStyleOption = .auto

    @Option(
        help: "Run as of this instant (YYYY-MM-DD or ISO 8601 with an offset; default $EXPORTPIPE_NOW, else the clock)."
    )
    var now: String?

    @Flag(
        help: ArgumentHelp(
            "When another run holds the state directory, exit at once (status \(ExitCodes.stateDirectoryBusy)) "
                + "instead of waiting for it."))
    var noWait = false

    @Option(
        help: ArgumentHelp(
            "API seconds per real second: the in-process simulator's speed (default 2000), or that of an external "
                + "simulator started with the same --time-scale. Leave it alone against the real API."))
    var timeScale: Double?

    @Option(help: "Seed of the in-process simulator's synthetic data.")
    var simulatorSeed: UInt64 = 1

    @Option(help: "Faults for the in-process simulator, e.g. http5xx=0.05,fail=0.03 (see docs/simulator.md).")
    var simulatorFaults: String?

    @Option(
        help: ArgumentHelp(
            "Write Prometheus metrics to this file every few seconds and at exit (text format, written atomically, "
                + "for node_exporter's textfile collector); overrides the spec's run.metrics_file.",
            valueName: "path"))
    var metricsFile: String?

    @Option(
        help: ArgumentHelp(
            "Where the company's queue slots are shared: none (this run alone), embedded (every run on this machine; "
                + "the default) or postgres://user@host:5432/db (runners on several machines; the password from "
                + "PGPASSWORD). Overrides EXPORTPIPE_COORDINATOR and the spec's run.coordinator.",
            valueName: "none|embedded|URL"))
    var coordinator: String?

    func validate() throws {
        try NowOption.validate(now)
        if let timeScale, !(timeScale > 0) { throw ValidationError("--time-scale must be positive") }
        if let simulatorFaults {
            do { _ = try FaultConfiguration(parsing: simulatorFaults) } catch {
                throw ValidationError("--simulator-faults: \(error)")
            }
        }
        if let coordinator, case .failure(let problem) = CoordinatorSetting.parse(coordinator) {
            throw ValidationError("--coordinator: \(problem)")
        }
        if let metricsFile, metricsFile.isEmpty || metricsFile.hasSuffix("/") {
            throw ValidationError("--metrics-file must name a file, e.g. --metrics-file exportpipe.prom")
        }
    }
}
