import AnalyticsAPI
import ExportBasics
import Foundation

/// The columns of each export, filled from a generated event or an entity's totals.
///
/// Each builder returns the cells in exactly `ExportCatalog.descriptor(for:).columns` order.
extension ExportDataGenerator {
    func cells(_ type: ExportType, _ event: Event) -> [Cell] {
        var rng = DeterministicRandom(event.extra)
        let agent = company.agents[event.agentIndex]
        let network = Cell.text(company.networks[event.networkIndex])
        switch type {
        case .rawAgentStates:
            let duration = Int64(rng.int(5...5_400))
            return [
                .int(event.id), .time(event.time), .time(event.time + duration * 1000), .int(agent.id),
                .text(agent.name), .text(agent.email), .int(agent.teamID),
                .text(rng.pick(["AVAILABLE", "BUSY", "AWAY", "OFFLINE", "ON_BREAK"])), .int(duration),
            ]
        case .combined:
            let kind = rng.pick(["INCOMING_POST", "INCOMING_POST", "RESPONSE", "NOTE"])
            return [
                .text(kind), .int(event.id), .time(event.time), .int(event.conversationID), .int(event.workqueueID),
                .int(Int64(event.priority)), network, kind == "INCOMING_POST" ? .empty : .int(agent.id),
                kind == "INCOMING_POST" ? .int(event.authorID) : .empty, .text(SyntheticText.content(&rng)),
            ]
        case .conversationActions:
            return [
                .int(event.id), .time(event.time),
                .text(rng.pick(["ASSIGN", "CLOSE", "TAG", "TRANSFER", "REOPEN", "NOTE", "PRIORITY"])),
                .int(agent.id), .int(agent.teamID), .int(event.conversationID), .int(event.workqueueID),
                .int(Int64(event.priority)), network, .text(SyntheticText.details(&rng)),
            ]
        case .conversationHistoryAction:
            let actor = rng.pick(["AGENT", "AGENT", "SYSTEM", "AUTOMATION"])
            return [
                .int(event.id), .time(event.time), .int(event.conversationID),
                .text(rng.pick(["CREATED", "ASSIGNED", "RESPONDED", "TAGGED", "CLOSED", "REOPENED"])), .text(actor),
                actor == "AGENT" ? .int(agent.id) : .empty, .int(event.workqueueID), .int(Int64(event.priority)),
                .text(SyntheticText.details(&rng)),
            ]
        case .rawExpertHelp:
            let expert = company.agents[rng.int(0...(company.agents.count - 1))]
            let answered = rng.chance(0.85)
            return [
                .int(event.id), .time(event.time), .int(agent.id), .int(expert.id), .int(agent.teamID),
                .int(event.conversationID), .int(event.workqueueID), .text(answered ? "ANSWERED" : "OPEN"),
                answered ? .int(Int64(rng.int(10...7_200))) : .empty, .text(SyntheticText.note(&rng)),
            ]
        case .incomingPost:
            return [
                .int(event.id), .time(event.time), network, .int(event.authorID),
                .text(SyntheticText.handle(authorID: event.authorID)), .int(event.workqueueID),
                .int(Int64(event.priority)), .int(event.conversationID),
                .text(rng.pick(["en", "en", "en", "es", "fr", "de", "ja", "tr"])),
                .text(rng.pick(["POSITIVE", "NEUTRAL", "NEUTRAL", "NEGATIVE"])), .text(SyntheticText.content(&rng)),
            ]
        case .response:
            return [
                .int(event.id), .time(event.time), .int(agent.id), .text(agent.name), .int(agent.teamID),
                .int(event.workqueueID), .int(Int64(event.priority)), .int(event.conversationID), network,
                .int(Int64(rng.int(15...1_800))), .text(SyntheticText.content(&rng)),
            ]
        case .responseApproval:
            let approver = company.agents[rng.int(0...(company.agents.count - 1))]
            let decision = rng.pick(["APPROVED", "APPROVED", "APPROVED", "REJECTED", "PENDING"])
            return [
                .int(event.id), .time(event.time),
                decision == "PENDING" ? .empty : .time(event.time + Int64(rng.int(30...14_400)) * 1000),
                .int(agent.id), .int(approver.id), .int(agent.teamID), .int(event.workqueueID), .text(decision),
                .int(event.conversationID), .text(SyntheticText.comment(&rng)),
            ]
        case .conversation:
            return conversationCells(event, open: false)
        case .author, .teamPerformance, .teamPerformanceInterval, .user:
            return []  // aggregates are built from totals, not events
        }
    }

    func conversationCells(_ event: Event, open: Bool) -> [Cell] {
        var rng = DeterministicRandom(event.extra, 0x434F_4E56)
        let agent = company.agents[event.agentIndex]
        let closed = event.time + conversationDuration(event)
        return [
            .int(event.id), .time(event.time), open ? .empty : .time(closed), .text(open ? "OPEN" : "CLOSED"),
            .int(event.workqueueID), .int(agent.teamID), .int(Int64(event.priority)), .int(agent.id),
            .int(event.authorID), .text(company.networks[event.networkIndex]), .int(Int64(rng.int(1...40))),
            .int(Int64(rng.int(20...20_000))), .text(SyntheticText.tags(&rng)),
        ]
    }

    // MARK: Aggregates

    /// Per-agent totals over the hour slots that start inside the window.
    struct AgentTotals {
        var responses: Int64 = 0
        var conversations: Int64 = 0
        var loggedInSeconds: Int64 = 0
    }

    func agentTotals(_ request: ExportRequest, agents: [SyntheticCompany.Agent]) -> [AgentTotals] {
        var totals = [AgentTotals](repeating: AgentTotals(), count: agents.count)
        let first = floorDiv(request.startTime + Self.hourMillis - 1, Self.hourMillis)
        let last = floorDiv(request.endTime - 1, Self.hourMillis)
        guard first <= last else { return totals }
        for slot in first...last {
            let level = activity(slot: slot)
            for (index, agent) in agents.enumerated() {
                let u = DeterministicRandom.unit(company.seed, 0x5348_4946_54, agent.id.hashBits, slot.hashBits)
                guard u < min(0.9, 0.3 * level) else { continue }
                let responses = Int64(1 + (u * 997).truncatingRemainder(dividingBy: 1) * 12 * level)
                totals[index].responses += responses
                totals[index].conversations += (responses * 2 + 2) / 3
                totals[index].loggedInSeconds += 3_600
            }
        }
        return totals
    }

    func userRows(_ request: ExportRequest, filter: RowFilter, _ body: (Row) -> Void) {
        let agents = company.agents.filter { filter.includes(agent: $0) }
        let totals = agentTotals(request, agents: agents)
        for (agent, total) in zip(agents, totals) {
            let team = company.team(id: agent.teamID)
            body(
                Row(
                    sortTime: 0, id: agent.id,
                    cells: [
                        .int(agent.id), .text(agent.name), .text(agent.email), .int(agent.teamID),
                        .text(team?.name ?? ""), .text(agent.enabled ? "true" : "false"), .int(total.responses),
                        .int(total.conversations), .int(total.loggedInSeconds),
                    ]))
        }
    }

    func teamPerformanceRows(_ request: ExportRequest, filter: RowFilter, _ body: (Row) -> Void) {
        let agents = company.agents.filter { filter.includes(agent: $0) }
        let totals = agentTotals(request, agents: agents)
        var byTeam: [Int64: (agents: Int64, totals: AgentTotals)] = [:]
        for (agent, total) in zip(agents, totals) {
            var entry = byTeam[agent.teamID] ?? (0, AgentTotals())
            entry.agents += 1
            entry.totals.responses += total.responses
            entry.totals.conversations += total.conversations
            entry.totals.loggedInSeconds += total.loggedInSeconds
            byTeam[agent.teamID] = entry
        }
        for team in company.teams where filter.teams?.contains(team.id) ?? true {
            let entry = byTeam[team.id] ?? (0, AgentTotals())
            var rng = DeterministicRandom(company.seed, 0x5445_414D, team.id.hashBits)
            let handle = entry.totals.responses == 0 ? Cell.empty : .int(Int64(rng.int(120...900)))
            let firstResponse = entry.totals.responses == 0 ? Cell.empty : .int(Int64(rng.int(60...7_200)))
            body(
                Row(
                    sortTime: 0, id: team.id,
                    cells: [
                        .int(team.id), .text(team.name), .int(entry.agents), .int(entry.totals.conversations),
                        .int(entry.totals.responses), handle, firstResponse, .int(entry.totals.loggedInSeconds),
                    ]))
        }
    }

    /// The bucket starts of a `team_performance_interval` export: aligned to the interval from the epoch,
    /// calendar months (UTC) above one week; a bucket is in the export when its start is in the window.
    public static func intervalBuckets(
        startTime: Int64, endTime: Int64, intervalMillis: Int64, inclusiveEnd: Bool = false
    ) -> [(start: Int64, end: Int64)] {
        var buckets: [(Int64, Int64)] = []
        func inside(_ t: Int64) -> Bool { inclusiveEnd ? t <= endTime : t < endTime }
        if intervalMillis > APILimits.oneWeekMillis {
            let first = CivilDate.fromDays(floorDiv(startTime, dayMillis))
            var year = first.year
            var month = first.month
            while true {
                let start = CivilDate.days(year: year, month: month, day: 1) * dayMillis
                month += 1
                if month > 12 {
                    month = 1
                    year += 1
                }
                let end = CivilDate.days(year: year, month: month, day: 1) * dayMillis
                if start >= startTime {
                    guard inside(start) else { break }
                    buckets.append((start, end))
                }
                if buckets.count > 10_000 { break }
            }
        } else if intervalMillis > 0 {
            var start = floorDiv(startTime + intervalMillis - 1, intervalMillis) * intervalMillis
            while inside(start) && buckets.count <= 100_000 {
                buckets.append((start, start + intervalMillis))
                start += intervalMillis
            }
        }
        return buckets
    }

    func intervalRows(_ request: ExportRequest, filter: RowFilter, inclusiveEnd: Bool, _ body: (Row) -> Void) {
        let interval = request.selection.timeIntervalMillis ?? Self.hourMillis
        let buckets = Self.intervalBuckets(
            startTime: request.startTime, endTime: request.endTime, intervalMillis: interval,
            inclusiveEnd: inclusiveEnd)
        let teams = company.teams.filter { filter.teams?.contains($0.id) ?? true }
        for bucket in buckets {
            let hours = Double(bucket.end - bucket.start) / Double(Self.hourMillis)
            let level = activity(slot: floorDiv(bucket.start, Self.hourMillis))
            for team in teams {
                let members = team.agentIDs.filter { id in
                    filter.includeDisabled || (company.agent(id: id)?.enabled ?? false)
                }
                var rng = DeterministicRandom(company.seed, 0x4255_434B, team.id.hashBits, bucket.start.hashBits)
                let expected = Double(members.count) * hours * (hours > 24 ? 1 : level) * 0.9
                let conversations = Int64(expected * (0.7 + 0.6 * rng.unit()))
                let responses = conversations + Int64(Double(conversations) * rng.unit() * 0.8)
                let handle = conversations == 0 ? Cell.empty : .int(Int64(rng.int(120...900)))
                let loggedIn = Int64(Double(members.count) * hours * 3_600 * min(1, 0.35 * level))
                body(
                    Row(
                        sortTime: bucket.start, id: team.id,
                        cells: [
                            .time(bucket.start), .time(bucket.end), .int(team.id), .text(team.name),
                            .int(conversations), .int(responses), handle, .int(loggedIn),
                        ]))
            }
        }
    }

    /// Authors with at least one post in the window, by author id. Each author posts at most once a day (UTC),
    /// at a time and with a count derived from (seed, author, day).
    func authorRows(
        _ request: ExportRequest, filter: RowFilter, inclusiveEnd: Bool, buildCells: Bool, _ body: (Row) -> Void
    ) {
        let firstDay = floorDiv(request.startTime, Self.dayMillis)
        let lastDay = floorDiv(request.endTime, Self.dayMillis)
        guard firstDay <= lastDay else { return }
        let days = Array(firstDay...lastDay)
        let offsets = days.map { day in
            (day, (0..<24).map { companyOffsetMillis(slot: day * 24 + Int64($0)) })
        }
        let seed = company.seed
        for index in 0..<company.authorPoolSize {
            let authorID = 5_000_000 + Int64(index)
            var profile = DeterministicRandom(seed, 0x4155_5448, authorID.hashBits)
            let p = 0.02 + 0.6 * pow(profile.unit(), 4)
            let network = company.networks[profile.int(0...(company.networks.count - 1))]
            var firstPost: Int64?
            var posts: Int64 = 0
            for (day, hourOffsets) in offsets {
                var rng = DeterministicRandom(seed, 0x4441_59, authorID.hashBits, day.hashBits)
                guard rng.unit() < p else { continue }
                let time = day * Self.dayMillis + Int64(rng.int(0...86_399)) * 1000
                guard inWindow(time, request, inclusiveEnd) else { continue }
                let queue = company.workqueues[Int(Double(company.workqueues.count) * rng.unit() * rng.unit())]
                let priority = Self.priorityWeights[rng.int(0...(Self.priorityWeights.count - 1))]
                if let set = filter.workqueues, !set.contains(queue.id) { continue }
                if let set = filter.priorities, !set.contains(priority) { continue }
                if filter.smartViewRequested {
                    guard let view = filter.smartView,
                        view.matches(workqueueID: queue.id, priority: priority, network: network)
                    else { continue }
                }
                let hour = Int((time - day * Self.dayMillis) / Self.hourMillis)
                guard filter.matchesBusinessHours(time, companyOffsetMillis: hourOffsets[hour], company: company)
                else { continue }
                posts += Int64(rng.int(1...4))
                if firstPost == nil { firstPost = time }
            }
            guard let firstPost else { continue }
            guard buildCells else {
                body(Row(sortTime: 0, id: authorID, cells: []))
                continue
            }
            let followers = Int64(pow(10, 1 + 5 * pow(profile.unit(), 3)))
            body(
                Row(
                    sortTime: 0, id: authorID,
                    cells: [
                        .int(authorID), .text(SyntheticText.handle(authorID: authorID)), .text(network),
                        .time(firstPost), .int(posts), .int(followers), .text(SyntheticText.location(&profile)),
                    ]))
        }
    }
}
