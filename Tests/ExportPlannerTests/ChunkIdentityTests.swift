import AnalyticsAPI
import ExportPlanner
import ExportSpec
import Foundation
import Testing

/// Chunk ids are content hashes: stable across unrelated edits, different when what is sent differs.
@Suite struct ChunkIdentityTests {
    let window = B.window(from: B.date(2026, 1, 1), to: B.date(2026, 2, 1))
    let daily = ChunkSize.fixed(CalendarDuration(1, .day))

    func ids(_ plan: Plan, type: ExportType) -> Set<String> {
        Set(plan.exports.filter { $0.type == type }.flatMap(\.chunks).map(\.id))
    }

    @Test func idsAreSixteenHexDigitsAndUniqueWithinAPlan() throws {
        let spec = B.spec(
            window: window,
            exports: [
                B.export("agents", .rawAgentStates, filters: [.teams: [1, 2]], splitBy: .teams, chunk: daily),
                B.export("posts", .incomingPost, chunk: daily),
            ])
        let plan = try planOK(spec)
        #expect(plan.chunks.allSatisfy { $0.id.count == 16 && $0.id.allSatisfy(\.isHexDigit) })
        #expect(Set(plan.chunks.map(\.id)).count == plan.chunkCount)
        // The planner's precomputed ids equal the id of each request computed on its own.
        #expect(plan.chunks.allSatisfy { $0.id == ChunkID.make(for: $0.request) })
        #expect(plan.chunks.allSatisfy { $0.expectedSeconds == CostModel.seconds(for: $0.type, rows: $0.expectedRows) })
    }

    @Test func renamingOrReorderingExportsKeepsIds() throws {
        let agents = B.export("agents", .rawAgentStates, filters: [.teams: [1]], chunk: daily)
        let posts = B.export("posts", .incomingPost, filters: [.workqueues: [4]], chunk: daily)
        var renamed = agents
        renamed.name = "agent_states_renamed"
        let before = try planOK(B.spec(window: window, exports: [agents, posts]))
        let after = try planOK(B.spec(window: window, exports: [posts, renamed]))
        #expect(ids(before, type: .rawAgentStates) == ids(after, type: .rawAgentStates))
        #expect(ids(before, type: .incomingPost) == ids(after, type: .incomingPost))
        // Adding an unrelated export changes nothing either.
        let more = try planOK(
            B.spec(window: window, exports: [agents, posts, B.export("help", .rawExpertHelp, chunk: daily)]))
        #expect(ids(before, type: .rawAgentStates) == ids(more, type: .rawAgentStates))
    }

    @Test func changingAFilterOrTheWindowChangesIds() throws {
        let agents = B.export("agents", .rawAgentStates, filters: [.teams: [1]], chunk: daily)
        var otherTeam = agents
        otherTeam.selection.filters[.teams] = [2]
        let base = try planOK(B.spec(window: window, exports: [agents]))
        let changed = try planOK(B.spec(window: window, exports: [otherTeam]))
        #expect(ids(base, type: .rawAgentStates).isDisjoint(with: ids(changed, type: .rawAgentStates)))

        // Moving the window end keeps the ids of the days both windows share.
        let longer = B.window(from: B.date(2026, 1, 1), to: B.date(2026, 2, 15))
        let extended = try planOK(B.spec(window: longer, exports: [agents]))
        #expect(ids(base, type: .rawAgentStates).isSubset(of: ids(extended, type: .rawAgentStates)))

        // The time zone is sent, so it is part of the identity.
        let berlin = try planOK(B.spec(timezone: "Europe/Berlin", window: window, exports: [agents]))
        #expect(ids(base, type: .rawAgentStates).isDisjoint(with: ids(berlin, type: .rawAgentStates)))
    }

    @Test func theIdIsAFunctionOfTheRequestAlone() {
        let request = ExportRequest(
            type: .response, startTime: 1_000, endTime: 2_000,
            selection: ExportSelection(filters: [.workqueues: [1, 2]]), locale: "en", timezone: "UTC")
        var other = request
        other.type = .incomingPost
        #expect(ChunkID.make(for: request) == ChunkID.make(for: request))
        #expect(ChunkID.make(for: request) != ChunkID.make(for: other))
        var reordered = request
        reordered.selection.filters[.workqueues] = [2, 1]
        #expect(ChunkID.make(for: request) != ChunkID.make(for: reordered))
    }

    @Test func identicalExportsUnderTwoNamesAreWarnedAbout() {
        let spec = B.spec(
            window: window,
            exports: [
                B.export("a", .rawAgentStates, chunk: daily), B.export("b", .rawAgentStates, chunk: daily),
            ])
        let result = Planner.plan(spec, now: B.instant("2026-11-29T12:00:00Z"))
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("identical") })
    }
}
