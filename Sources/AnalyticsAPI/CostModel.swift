/// How long the service takes to run one export, in API seconds: a base cost plus a per-row cost that grows
/// faster than linearly for very large jobs.
///
/// The simulator runs jobs for exactly this long (divided by its time scale) and the planner uses the same
/// function to estimate a run, so a plan's estimate and a simulated run agree. The constants are chosen to
/// be plausible for the real service ("minutes per large export"); they are not measured on it.
public enum CostModel {
    /// Fixed seconds per job: queueing in the backend, query planning, writing the file.
    public static let baseSeconds: Double = 20
    /// Rows past which each further row costs more (memory pressure, spills).
    public static let superlinearRows: Double = 400_000

    /// Expected seconds of server work for an export of `rows` rows.
    public static func seconds(for type: ExportType, rows: Int) -> Double {
        let perRow = ExportCatalog.descriptor(for: type).secondsPer1000Rows / 1000
        let n = Double(max(0, rows))
        return baseSeconds + perRow * n * (1 + n / superlinearRows)
    }
}
