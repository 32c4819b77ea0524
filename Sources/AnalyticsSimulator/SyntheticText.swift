import AnalyticsAPI

/// Free-text values for the exports' text columns.
///
/// Deliberately awkward: commas, doubled quotes, line breaks (LF and CRLF), apostrophes and non-ASCII text
/// (accents, CJK, emoji), so that CSV readers and mergers are exercised by every realistic export.
enum SyntheticText {
    static func content(_ rng: inout DeterministicRandom) -> String {
        let parts = rng.int(1...3)
        var out: [String] = []
        for _ in 0..<parts { out.append(rng.pick(contentFragments)) }
        return out.joined(separator: " ")
    }

    static func details(_ rng: inout DeterministicRandom) -> String { rng.pick(detailTexts) }
    static func note(_ rng: inout DeterministicRandom) -> String { rng.pick(noteTexts) }
    static func comment(_ rng: inout DeterministicRandom) -> String { rng.chance(0.3) ? "" : rng.pick(commentTexts) }

    static func tags(_ rng: inout DeterministicRandom) -> String {
        let count = rng.int(0...3)
        var out: [String] = []
        for _ in 0..<count { out.append(rng.pick(tagWords)) }
        return out.joined(separator: ", ")
    }

    static func location(_ rng: inout DeterministicRandom) -> String { rng.pick(locations) }

    static func handle(authorID: Int64) -> String {
        var rng = DeterministicRandom(UInt64(bitPattern: authorID), 0x6861_6E64_6C65)
        return "@" + rng.pick(handleStems) + String(authorID % 10_000)
    }

    static let contentFragments = [
        "Hello, I need help with my order.",
        "My package never arrived, and the tracking page says \"delivered\".",
        "Thanks for the quick reply!",
        "Can you reset my password?\nI tried twice already.",
        "Ça ne marche toujours pas – merci de vérifier.",
        "注文した商品がまだ届きません。",
        "Great service 😀👍",
        "Refund of $25.00, please; order #A-1042.",
        "Why was I charged twice???",
        "Line one\r\nline two, with a comma",
        "Die App stürzt beim Öffnen ab.",
        "\"Quoted\" complaint, with \"\"double\"\" quotes",
        "¿Dónde está mi pedido?",
        "Please call me back at +1 555 0100.",
        "Bu ürün bozuk geldi.",
        "ok",
    ]
    static let detailTexts = [
        "Assigned to queue", "Closed by agent, resolved", "Tagged \"billing\"", "Transferred to team, then back",
        "Priority changed 3 → 1", "Note: customer prefers email\nfollow up Monday", "Reopened by customer reply",
        "Auto-closed after 72h, no reply", "Merged with duplicate conversation", "Escalated, see notes",
    ]
    static let noteTexts = [
        "Need a second opinion on this refund", "Customer is VIP, handle with care",
        "Legal asked: \"do not promise anything\"", "Policy question, section 4.2", "Urgent — outage related",
        "Translate, please: 顧客は返金を希望しています", "Screenshot attached\nsee line 2",
    ]
    static let commentTexts = [
        "Approved", "Too informal, please rephrase", "Remove the discount code, then send",
        "Typo in \"recieve\"", "Looks good 👍", "Rejected: wrong tone,\nplease soften",
    ]
    static let tagWords = [
        "billing", "refund", "vip", "outage", "delivery", "bug", "praise", "complaint", "spam", "follow-up",
        "naïve", "\"urgent\"", "é-commerce",
    ]
    static let locations = [
        "São Paulo, Brazil", "Zürich", "Tokyo 東京", "New York, NY", "", "Paris, Île-de-France", "İstanbul",
        "Austin, \"TX\"", "London", "Kraków, Poland",
    ]
    static let handleStems = ["jane", "bob_the_builder", "coffee_lover", "mária", "k8s_fan", "dev", "guest", "ana"]
}
