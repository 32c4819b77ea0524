/// One parse event of libyaml, copied into Swift values (no pointer outlives the libyaml event).
enum YAMLEvent: Sendable, Hashable {
    case streamStart
    case streamEnd
    case documentStart(line: Int, column: Int)
    case documentEnd
    case alias(anchor: String, line: Int, column: Int)
    case scalar(YAMLScalar, anchor: String?, line: Int, column: Int)
    case sequenceStart(anchor: String?, tag: String?, line: Int, column: Int)
    case sequenceEnd
    case mappingStart(anchor: String?, tag: String?, line: Int, column: Int)
    case mappingEnd
}
