/// Loads one YAML document into a `YAMLNode` tree over libyaml's event API.
///
/// Checks, in order: size, UTF-8, then syntax while composing. Anchors and aliases resolve; an alias expansion
/// past `maxNodes`, nesting past `maxDepth`, unknown aliases, several documents and an empty file are refused with
/// one error. Duplicate keys are reported (all of them) and the first occurrence is kept. `<<` merge keys work as
/// in YAML 1.1 (explicit keys win over merged ones).
public enum YAMLLoader {
    /// Loads `bytes` read from `file` (the name is only used in diagnostics).
    public static func load(bytes: [UInt8], file: String, limits: YAMLLimits = .standard) -> YAMLLoadResult {
        func fail(_ message: String, line: Int = 1, column: Int = 1, fix: String? = nil, text: String? = nil)
            -> YAMLLoadResult
        {
            let location = SourceLocation(file: file, line: line, column: column)
            return YAMLLoadResult(root: nil, diagnostics: [.error(at: location, message, fix: fix)], text: text)
        }
        guard bytes.count <= limits.maxBytes else {
            return fail(
                "the file is \(bytes.count) bytes, over the \(limits.maxBytes)-byte limit for a pipeline file",
                fix: "a pipeline file is a few KiB; check that the right file was given")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            let (line, column, byte) = firstInvalidUTF8(body)
            return fail(
                "the file is not valid UTF-8 (byte 0x\(hex(byte)) at line \(line), column \(column))", line: line,
                column: column, fix: "save the file as UTF-8")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) || lines.allSatisfy(isBlankOrComment) {
            return fail(
                "the file is empty", fix: "a pipeline file is a YAML mapping that starts with 'version: 1'",
                text: text)
        }
        let parser: YAMLParser
        do {
            parser = try YAMLParser(bytes: Array(body))
        } catch {
            return fail(error.message, text: text)
        }
        var composer = YAMLComposer(parser: parser, limits: limits, file: file)
        do {
            let root = try composer.composeStream()
            return YAMLLoadResult(root: root, diagnostics: composer.diagnostics, text: text)
        } catch let stop as YAMLComposer.Stop {
            return YAMLLoadResult(root: nil, diagnostics: composer.diagnostics + [stop.diagnostic], text: text)
        } catch let syntax as YAMLSyntaxError {
            let diagnostic = syntaxDiagnostic(syntax, file: file, text: text, lines: lines)
            return YAMLLoadResult(root: nil, diagnostics: composer.diagnostics + [diagnostic], text: text)
        } catch {
            return fail("could not read the YAML: \(error)", text: text)
        }
    }

    /// A libyaml error as a diagnostic; tabs in indentation and reader errors get their own plain-language text.
    static func syntaxDiagnostic(_ error: YAMLSyntaxError, file: String, text: String, lines: [Substring])
        -> Diagnostic
    {
        var line = error.line
        var column = error.column
        if let offset = error.byteOffset {
            (line, column) = position(ofByte: offset, in: text)
            return .error(
                at: SourceLocation(file: file, line: line, column: column),
                "the file contains a character YAML does not allow: \(error.message)",
                fix: "remove control characters; pipeline files are plain text")
        }
        // libyaml reports a tab as "found character that cannot start any token"; say what it is.
        for candidate in [line, line - 1] where candidate >= 1 && candidate <= lines.count {
            let indentation = lines[candidate - 1].unicodeScalars.prefix { $0 == " " || $0 == "\t" }
            if let tab = indentation.firstIndex(of: "\t") {
                let tabColumn = indentation.distance(from: indentation.startIndex, to: tab) + 1
                return .error(
                    at: SourceLocation(file: file, line: candidate, column: tabColumn),
                    "a tab character is used for indentation; YAML indents with spaces only",
                    fix: "replace the tab with spaces")
            }
        }
        return .error(
            at: SourceLocation(file: file, line: line, column: column), "YAML syntax error: \(error.message)")
    }

    private static func isBlankOrComment(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        return trimmed.isEmpty || trimmed.hasPrefix("#")
    }

    /// 1-based line and column (in Unicode scalars) of a byte offset into `text`.
    static func position(ofByte offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var consumed = 0
        for scalar in text.unicodeScalars {
            if consumed >= offset { break }
            consumed += UTF8.width(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    private static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> (line: Int, column: Int, byte: UInt8) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var line = 1
        var column = 1
        var offset = bytes.startIndex
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput, .error:
                break loop
            }
        }
        let byte = offset < bytes.endIndex ? bytes[offset] : 0
        return (line, column, byte)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
