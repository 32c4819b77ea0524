import AnalyticsAPI

/// The company the simulator serves: teams, agents, work queues, smart views and networks, all derived from a
/// seed.
///
/// The same seed always gives the same company. Team sizes are deliberately uneven (a few large teams, many
/// small ones), so that filtering an export by team gives very different volumes.
public struct SyntheticCompany: Sendable {
    /// A team of agents, as `/api/public/teams` lists it.
    public struct Team: Sendable, Hashable {
        public var id: Int64
        public var uuid: String
        public var name: String
        public var description: String?
        /// The team's agents, by id, ascending.
        public var agentIDs: [Int64]
    }

    /// An agent (a Care user who handles conversations).
    public struct Agent: Sendable, Hashable {
        public var id: Int64
        public var name: String
        public var email: String
        public var teamID: Int64
        /// Turned-off agents appear only with `includeDisabled=true`.
        public var enabled: Bool
    }

    /// A work queue, the unit `workqueueIds` filters on.
    public struct WorkQueue: Sendable, Hashable {
        public var id: Int64
        public var name: String
    }

    /// A smart view: a saved predicate over work queue, priority and network.
    public struct SmartView: Sendable, Hashable {
        public var id: Int64
        public var name: String
        public var workqueueIDs: Set<Int64>
        public var priorities: Set<Int>
        public var networks: Set<String>

        /// Whether a row with these attributes is in the view.
        public func matches(workqueueID: Int64, priority: Int, network: String) -> Bool {
            workqueueIDs.contains(workqueueID) && priorities.contains(priority) && networks.contains(network)
        }
    }

    /// The seed everything was derived from.
    public let seed: UInt64
    /// Teams, by id ascending.
    public let teams: [Team]
    /// Agents, by id ascending.
    public let agents: [Agent]
    public let workqueues: [WorkQueue]
    public let smartViews: [SmartView]
    /// The social networks and channels posts arrive on.
    public let networks: [String]
    /// The number of distinct authors (customers) who may post.
    public let authorPoolSize: Int
    /// The company's own time zone: business hours and the daily volume curve follow it.
    public let timeZoneID = "America/New_York"
    /// Business hours, company-local: weekdays (Monday–Friday), from `businessHourStart` to `businessHourEnd`.
    public let businessHourStart = 9
    public let businessHourEnd = 17

    let teamIndex: [Int64: Int]
    let agentIndex: [Int64: Int]

    /// Builds the company for `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        var rng = DeterministicRandom(seed, DeterministicRandom.tag("company"))
        let teamCount = rng.int(8...50)
        var teams: [Team] = []
        var agents: [Agent] = []
        var nextTeamID: Int64 = 6_000 + Int64(rng.int(100...900))
        var nextAgentID: Int64 = 10_000 + Int64(rng.int(0...5_000))
        for index in 0..<teamCount {
            // Skewed sizes: most teams small, a few large.
            let size = 2 + Int((rng.unit() * rng.unit() * rng.unit()) * 90)
            let name =
                Self.teamNames[index % Self.teamNames.count]
                + (index >= Self.teamNames.count ? " \(index / Self.teamNames.count + 1)" : "")
            var ids: [Int64] = []
            for _ in 0..<size {
                let first = rng.pick(Self.firstNames)
                let last = rng.pick(Self.lastNames)
                let id = nextAgentID
                nextAgentID += Int64(rng.int(1...7))
                let email = Self.emailLocalPart(first: first, last: last) + ".\(id)@example.com"
                agents.append(
                    Agent(id: id, name: "\(first) \(last)", email: email, teamID: nextTeamID, enabled: rng.unit() > 0.1)
                )
                ids.append(id)
            }
            let description: String? = rng.chance(0.5) ? nil : "Handles \(name.lowercased()) conversations"
            teams.append(
                Team(
                    id: nextTeamID, uuid: Self.uuid(&rng), name: name, description: description, agentIDs: ids))
            nextTeamID += Int64(rng.int(1...40))
        }
        let queueCount = rng.int(12...30)
        var queues: [WorkQueue] = []
        for index in 0..<queueCount {
            queues.append(WorkQueue(id: Int64(index + 1), name: Self.queueNames[index % Self.queueNames.count]))
        }
        let networks = ["twitter", "facebook", "instagram", "email", "chat", "sms", "whatsapp", "apple_messages"]
        var views: [SmartView] = []
        for index in 0..<8 {
            var qs = Set<Int64>()
            for queue in queues where rng.chance(0.3) { qs.insert(queue.id) }
            if qs.isEmpty, let first = queues.first { qs.insert(first.id) }
            var ps = Set<Int>()
            for p in 0...5 where rng.chance(0.6) { ps.insert(p) }
            if ps.isEmpty { ps.insert(3) }
            var ns = Set<String>()
            for n in networks where rng.chance(0.5) { ns.insert(n) }
            if ns.isEmpty { ns.insert("twitter") }
            views.append(
                SmartView(
                    id: Int64(100 + index * 3), name: "View \(index + 1)", workqueueIDs: qs, priorities: ps,
                    networks: ns))
        }
        self.teams = teams
        self.agents = agents
        self.workqueues = queues
        self.smartViews = views
        self.networks = networks
        self.authorPoolSize = 20_000
        self.teamIndex = Dictionary(uniqueKeysWithValues: teams.enumerated().map { ($1.id, $0) })
        self.agentIndex = Dictionary(uniqueKeysWithValues: agents.enumerated().map { ($1.id, $0) })
    }

    /// The team with `id`, if any.
    public func team(id: Int64) -> Team? { teamIndex[id].map { teams[$0] } }
    /// The agent with `id`, if any.
    public func agent(id: Int64) -> Agent? { agentIndex[id].map { agents[$0] } }
    /// The smart view with `id`, if any.
    public func smartView(id: Int64) -> SmartView? { smartViews.first { $0.id == id } }

    /// The teams as `/api/public/teams` returns them (members = all agents, enabled or not).
    public var teamListing: [TeamInfo] {
        teams.map {
            TeamInfo(
                uuid: $0.uuid, teamId: $0.id, name: $0.name, description: $0.description,
                numberOfMembers: $0.agentIDs.count)
        }
    }

    static func uuid(_ rng: inout DeterministicRandom, version: UInt64 = 4) -> String {
        var high = rng.next()
        var low = rng.next()
        high = (high & ~0xF000) | (version << 12)
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return uuidString(high: high, low: low)
    }

    static func uuidString(high: UInt64, low: UInt64) -> String {
        func hex(_ value: UInt64, digits: Int) -> String {
            let s = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - s.count)) + s
        }
        return "\(hex(high >> 32, digits: 8))-\(hex((high >> 16) & 0xFFFF, digits: 4))-"
            + "\(hex(high & 0xFFFF, digits: 4))-\(hex(low >> 48, digits: 4))-\(hex(low & 0xFFFF_FFFF_FFFF, digits: 12))"
    }

    private static func emailLocalPart(first: String, last: String) -> String {
        let ascii = "\(first).\(last)".lowercased().unicodeScalars.filter { $0.isASCII && $0 != "'" && $0 != " " }
        return String(String.UnicodeScalarView(ascii))
    }

    static let teamNames = [
        "North West", "Billing, Tier 2", "Social Care", "VIP \"Gold\" Desk", "Returns", "Technical Support",
        "Onboarding", "Escalations", "Night Shift", "Spanish Queue", "Retail Stores", "Partnerships",
        "Customer Success", "Fraud & Risk", "Delivery", "Mobile App",
    ]
    static let firstNames = [
        "Ana", "José", "Zoë", "Liam", "Mia", "Noah", "Chloé", "Sven", "Aiko", "Mateo", "Priya", "Owen", "Fatima",
        "Lars", "Élodie", "Yusuf", "Grace", "Jonas", "Ines", "Kenji",
    ]
    static let lastNames = [
        "Álvarez", "O'Brien", "Smith", "Nguyen", "Müller", "Rossi", "Kowalski", "Dubois", "Tanaka", "García",
        "Johnson", "Öztürk", "Silva", "Brown", "Novak", "Hansen",
    ]
    static let queueNames = [
        "General", "Billing", "Returns", "Technical", "Complaints", "Sales", "VIP", "Spanish", "French", "German",
        "Social Escalations", "Delivery", "Account Access", "Feedback", "Partners", "Press",
    ]
}
