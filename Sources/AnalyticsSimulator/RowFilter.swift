import AnalyticsAPI
import ExportBasics

/// The filters of a request, resolved against the company.
struct RowFilter {
    var teams: Set<Int64>?
    var workqueues: Set<Int64>?
    var priorities: Set<Int>?
    var smartView: SyntheticCompany.SmartView?
    var smartViewRequested = false
    var agents: Set<Int64>?
    var businessHours: BusinessHours
    var includeDisabled: Bool
    var excludesDisabledAgents: Bool

    init(request: ExportRequest, company: SyntheticCompany) {
        let filters = request.selection.filters
        teams = filters[.teams].flatMap { $0.isEmpty ? nil : Set($0) }
        workqueues = filters[.workqueues].flatMap { $0.isEmpty ? nil : Set($0) }
        priorities = filters[.priorities].flatMap { $0.isEmpty ? nil : Set($0.map { Int($0) }) }
        agents = filters[.agents].flatMap { $0.isEmpty ? nil : Set($0) }
        if let id = filters[.smartViews]?.first {
            smartViewRequested = true
            smartView = company.smartView(id: id)
        }
        businessHours = request.selection.businessHours ?? .all
        includeDisabled = request.selection.includeDisabled ?? false
        excludesDisabledAgents = request.type == .responseApproval && !includeDisabled
    }

    func matches(_ event: ExportDataGenerator.Event, companyOffsetMillis: Int64, company: SyntheticCompany) -> Bool {
        let agent = company.agents[event.agentIndex]
        if let teams, !teams.contains(agent.teamID) { return false }
        if excludesDisabledAgents && !agent.enabled { return false }
        if let workqueues, !workqueues.contains(event.workqueueID) { return false }
        if let priorities, !priorities.contains(event.priority) { return false }
        if smartViewRequested {
            guard let view = smartView,
                view.matches(
                    workqueueID: event.workqueueID, priority: event.priority,
                    network: company.networks[event.networkIndex])
            else { return false }
        }
        return matchesBusinessHours(event.time, companyOffsetMillis: companyOffsetMillis, company: company)
    }

    func matchesBusinessHours(_ time: Int64, companyOffsetMillis: Int64, company: SyntheticCompany) -> Bool {
        guard businessHours != .all else { return true }
        let local = time + companyOffsetMillis
        let day = floorDiv(local, ExportDataGenerator.dayMillis)
        let hour = Int((local - day * ExportDataGenerator.dayMillis) / ExportDataGenerator.hourMillis)
        let weekday = Int(((day + 4) % 7 + 7) % 7)
        let within = weekday >= 1 && weekday <= 5 && hour >= company.businessHourStart && hour < company.businessHourEnd
        return businessHours == .within ? within : !within
    }

    /// Whether an agent is in the `user` / team exports' population.
    func includes(agent: SyntheticCompany.Agent) -> Bool {
        if !includeDisabled && !agent.enabled { return false }
        if let teams, !teams.contains(agent.teamID) { return false }
        if let agents, !agents.contains(agent.id) { return false }
        return true
    }
}
