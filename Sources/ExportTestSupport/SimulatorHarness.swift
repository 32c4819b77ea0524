import AnalyticsAPI
import AnalyticsSimulator

/// Starts the simulator on a free loopback port for a test and always shuts it down afterwards.
public enum SimulatorHarness {
    /// A configuration for fast tests: time runs 10,000× faster than real time, so a job takes milliseconds.
    public static func fastConfiguration(
        seed: UInt64 = 42, faults: FaultConfiguration = .none, clock: SimulatorClock = .system
    ) -> SimulatorConfiguration {
        SimulatorConfiguration(
            seed: seed, timeScale: 10_000, faults: faults, startEpochMillis: 1_741_000_000_000, clock: clock)
    }

    /// Runs `body` against a simulator started with `configuration` on port 0; the simulator is shut down
    /// when `body` returns or throws.
    public static func withSimulator<T: Sendable>(
        _ configuration: SimulatorConfiguration = fastConfiguration(),
        _ body: (RunningSimulator) async throws -> T
    ) async throws -> T {
        var configuration = configuration
        configuration.port = 0
        let simulator = try await AnalyticsSimulator.start(configuration)
        do {
            let result = try await body(simulator)
            try await simulator.shutdown()
            return result
        } catch {
            try? await simulator.shutdown()
            throw error
        }
    }
}
