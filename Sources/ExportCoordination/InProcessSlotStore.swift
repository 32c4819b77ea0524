import Foundation

/// Tables in memory: one process shares the limits with itself only (`--coordinator none`, tests).
actor InProcessSlotStore: SlotTableStore {
    private var tables: [String: SlotTable] = [:]
    private let clock: @Sendable () -> Date
    private let signal = ChangeSignal()

    init(clock: @escaping @Sendable () -> Date) {
        self.clock = clock
    }

    func transact<Result: Sendable>(
        _ scope: SlotScope, _ body: @escaping @Sendable (inout SlotTable, Date) throws -> Result
    ) async throws -> (Result, version: Int) {
        var table = tables[scope.key] ?? SlotTable(scope: scope)
        let before = table.version
        let result = try body(&table, clock())
        tables[scope.key] = table
        if table.version != before { await signal.publish(scope.key, version: table.version) }
        return (result, table.version)
    }

    func waitForChange(_ scope: SlotScope, from version: Int, timeout: TimeInterval) async throws {
        try await signal.wait(scope.key, from: version, timeout: timeout)
    }

    func close() async {}
}

extension TableCoordinator {
    /// Limits shared within this process only.
    public static func inProcess(
        timing: CoordinationTiming = .standard, clock: @escaping @Sendable () -> Date = { Date() }
    ) -> TableCoordinator {
        TableCoordinator(store: InProcessSlotStore(clock: clock), timing: timing, storeDescription: "in-process")
    }
}
