/// A failure to parse or emit YAML, positioned where libyaml (or this module) noticed it.
public struct YAMLError: Error, CustomStringConvertible, Sendable, Equatable {
    /// 1-based line of the problem, when the failure has a position in the input.
    public var line: Int?
    /// 1-based column of the problem, counted in Unicode scalars as libyaml does.
    public var column: Int?
    /// What went wrong, e.g. libyaml's "did not find expected key".
    public var problem: String
    /// What was being processed, e.g. "while parsing a block mapping at line 1, column 1".
    public var context: String?

    public init(line: Int? = nil, column: Int? = nil, problem: String, context: String? = nil) {
        self.line = line
        self.column = column
        self.problem = problem
        self.context = context
    }

    public var description: String {
        var text = "YAML error"
        if let line {
            text += " at line \(line)"
            if let column { text += ", column \(column)" }
        }
        text += ": \(problem)"
        if let context { text += " (\(context))" }
        return text
    }
}
