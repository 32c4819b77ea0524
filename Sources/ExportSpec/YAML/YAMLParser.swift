import CLibYAML

/// Owns one libyaml event parser over a copy of the input bytes and frees both in `deinit`.
///
/// This is the only type that calls `yaml_*` functions. libyaml keeps a pointer to the parser inside the parser
/// (its string reader's context), so the parser lives at a fixed heap address rather than in a Swift property.
final class YAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var finished = false

    /// - Throws: `YAMLSyntaxError` when libyaml cannot allocate its parser.
    init(bytes: [UInt8]) throws(YAMLSyntaxError) {
        parser = .allocate(capacity: 1)
        input = .allocate(capacity: max(1, bytes.count))
        _ = input.initialize(from: bytes)
        guard yaml_parser_initialize(parser) == 1 else {
            // yaml_parser_initialize cleans up after itself on failure; only our memory is left.
            parser.deallocate()
            input.deallocate()
            throw YAMLSyntaxError(message: "libyaml could not allocate a parser (out of memory)", line: 1, column: 1)
        }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event; after `streamEnd` it keeps returning `streamEnd`.
    ///
    /// - Throws: `YAMLSyntaxError` with libyaml's problem, context and 1-based mark.
    func next() throws(YAMLSyntaxError) -> YAMLEvent {
        if finished { return .streamEnd }
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw currentError() }
        defer { yaml_event_delete(&event) }
        let line = Int(event.start_mark.line) + 1
        let column = Int(event.start_mark.column) + 1
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_STREAM_END_EVENT:
            finished = true
            return .streamEnd
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(line: line, column: column)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: Self.string(event.data.alias.anchor) ?? "", line: line, column: column)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let value: String
            if let pointer = data.value {
                value = String(decoding: UnsafeBufferPointer(start: pointer, count: Int(data.length)), as: UTF8.self)
            } else {
                value = ""
            }
            let style: YAMLScalar.Style =
                switch data.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: .literal
                case YAML_FOLDED_SCALAR_STYLE: .folded
                default: .plain
                }
            let scalar = YAMLScalar(value, style: style, tag: Self.string(data.tag))
            return .scalar(scalar, anchor: Self.string(data.anchor), line: line, column: column)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            return .sequenceStart(
                anchor: Self.string(data.anchor), tag: Self.string(data.tag), line: line, column: column)
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            return .mappingStart(
                anchor: Self.string(data.anchor), tag: Self.string(data.tag), line: line, column: column)
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd
        default:
            throw YAMLSyntaxError(message: "libyaml returned an unknown event", line: line, column: column)
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// libyaml's error as text: "problem (context at line:col)".
    private func currentError() -> YAMLSyntaxError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown error"
        if state.error == YAML_READER_ERROR {
            return YAMLSyntaxError(message: problem, line: 1, column: 1, byteOffset: Int(state.problem_offset))
        }
        if state.error == YAML_MEMORY_ERROR {
            return YAMLSyntaxError(message: "libyaml ran out of memory", line: 1, column: 1)
        }
        var message = problem
        if let context = state.context.map({ String(cString: $0) }) {
            let contextLine = Int(state.context_mark.line) + 1
            let contextColumn = Int(state.context_mark.column) + 1
            message += " (\(context) at line \(contextLine), column \(contextColumn))"
        }
        return YAMLSyntaxError(
            message: message, line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1)
    }
}
