import CYAML

/// One libyaml parse event, copied out of libyaml's memory (the C event is freed before this
/// value is returned), with the mark where it starts.
struct YAMLEvent {
    enum Kind {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias(anchor: String)
        case scalar(value: String, anchor: String?, tag: String?, style: YAMLScalar.Style)
        case sequenceStart(anchor: String?, tag: String?)
        case sequenceEnd
        case mappingStart(anchor: String?, tag: String?)
        case mappingEnd
    }

    var kind: Kind
    var mark: YAMLMark
}

/// Pulls events from libyaml's event parser over UTF-8 bytes. The parser is created and freed by
/// `withReader`; the reader must not escape the closure.
struct YAMLEventReader: ~Copyable {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeBufferPointer<UInt8>

    /// Runs `body` with a reader over `input` (UTF-8, BOM already removed), then frees the parser.
    static func withReader<Result>(_ input: UnsafeBufferPointer<UInt8>,
                                   _ body: (inout YAMLEventReader) throws(YAMLError) -> Result) throws(YAMLError) -> Result {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(.syntax(problem: "out of memory while starting the YAML parser"), mark: nil)
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        // libyaml reads nothing when given a null base address, so an empty input gets a valid one.
        let empty: [UInt8] = [0]
        return try empty.withUnsafeBufferPointer { (placeholder) throws(YAMLError) -> Result in
            yaml_parser_set_input_string(parser, input.baseAddress ?? placeholder.baseAddress, input.count)
            var reader = YAMLEventReader(parser: parser, input: input)
            return try body(&reader)
        }
    }

    private init(parser: UnsafeMutablePointer<yaml_parser_t>, input: UnsafeBufferPointer<UInt8>) {
        self.parser = parser
        self.input = input
    }

    /// The next event, or the parser's error with its problem text and position.
    mutating func next() throws(YAMLError) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw parserError() }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        let kind: YAMLEvent.Kind
        switch event.type {
        case YAML_STREAM_START_EVENT: kind = .streamStart
        case YAML_STREAM_END_EVENT: kind = .streamEnd
        case YAML_DOCUMENT_START_EVENT: kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: kind = .documentEnd
        case YAML_ALIAS_EVENT: kind = .alias(anchor: Self.text(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length)), as: UTF8.self)
            kind = .scalar(value: value, anchor: Self.text(scalar.anchor), tag: Self.text(scalar.tag), style: Self.style(scalar.style))
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            kind = .sequenceStart(anchor: Self.text(start.anchor), tag: start.implicit != 0 ? nil : Self.text(start.tag))
        case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            kind = .mappingStart(anchor: Self.text(start.anchor), tag: start.implicit != 0 ? nil : Self.text(start.tag))
        case YAML_MAPPING_END_EVENT: kind = .mappingEnd
        default:
            throw YAMLError(.syntax(problem: "unexpected parser event \(event.type.rawValue)"), mark: mark)
        }
        return YAMLEvent(kind: kind, mark: mark)
    }

    /// libyaml's own words for what went wrong ("did not find expected key while parsing a block
    /// mapping"), at the problem's position (a reader error has only a byte offset: it becomes a line).
    private func parserError() -> YAMLError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown error"
        switch state.error {
        case YAML_MEMORY_ERROR:
            return YAMLError(.syntax(problem: "out of memory"), mark: nil)
        case YAML_READER_ERROR:
            let offset = min(Int(state.problem_offset), input.count)
            let line = input[..<offset].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            return YAMLError(.syntax(problem: problem), mark: YAMLMark(line: line, column: 1))
        default:
            let context = state.context.map { String(cString: $0) + " " } ?? ""
            let mark = YAMLMark(line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1)
            return YAMLError(.syntax(problem: context + problem), mark: mark)
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafePointer($0)) }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }
}
