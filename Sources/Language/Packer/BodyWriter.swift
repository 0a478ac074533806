/// Accumulates the items of a typed builder's body, skipping unset (`nil`) fields.
struct BodyWriter {
    private(set) var items: [HCL.BodyItem] = []

    mutating func expression(_ name: String, _ value: HCL.Expression?) {
        guard let value else { return }
        items.append(.attribute(HCL.Attribute(name, value)))
    }

    /// A template string (Packer evaluates `${...}` in almost every string argument).
    mutating func string(_ name: String, _ value: String?) {
        expression(name, value.map { .string($0) })
    }

    mutating func bool(_ name: String, _ value: Bool?) {
        expression(name, value.map { .bool($0) })
    }

    mutating func int(_ name: String, _ value: Int?) {
        expression(name, value.map { .int($0) })
    }

    mutating func strings(_ name: String, _ values: [String]?) {
        expression(name, values.map { HCL.Expression.strings($0) })
    }

    /// A map attribute; an empty map is left out because it means the same as no map.
    mutating func map(_ name: String, _ entries: [String: String]) {
        guard !entries.isEmpty else { return }
        expression(name, .map(entries))
    }

    mutating func block(_ block: HCL.Block?) {
        guard let block else { return }
        items.append(.block(block))
    }

    mutating func append(_ extra: [HCL.BodyItem]) {
        items += extra
    }

    var body: HCL.Body { HCL.Body(items) }
}
