/// A JSON body value: parameters may come as strings, numbers, booleans or lists of them.
enum JSONValue: Decodable {
    case string(String)
    case list([JSONValue])
    case null

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .string(b ? "true" : "false")
        } else if let i = try? c.decode(Int64.self) {
            self = .string(String(i))
        } else if let d = try? c.decode(Double.self) {
            self = .string(String(d))
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else {
            self = .list(try c.decode([JSONValue].self))
        }
    }

    var strings: [String]? {
        switch self {
        case .string(let s): return [s]
        case .null: return []
        case .list(let values):
            var out: [String] = []
            for value in values {
                guard case .string(let s) = value else { return nil }
                out.append(s)
            }
            return out
        }
    }
}
