/// What the typed resource layer knows, as data: for each generated resource type and property struct,
/// the Swift name and the initialiser label that stand for each CloudFormation name, and the kind of
/// value each takes. `infra import` reads it to write typed resources; the data is generated with the
/// types themselves (`Generated/Catalog.swift`), so the two cannot drift apart.
public enum TypedResourceCatalog {
    /// The kind of value a field takes, as its Swift type spells it.
    public indirect enum FieldKind: Sendable, Equatable {
        /// `Expr<String>`.
        case string
        /// `Expr<Int>`.
        case int
        /// `Expr<Double>`.
        case double
        /// `Expr<Bool>`.
        case bool
        /// `Expr<E>` for a generated enum `E` (qualified Swift name); `cases` maps CloudFormation values to the
        /// `Expr` members that spell them (`"S": "s"`).
        case enumeration(String, cases: [String: String])
        /// A generated property struct (qualified Swift name, or `Tag`), stored without `Expr`.
        case structure(String)
        /// `Expr<[Element]>`.
        case list(FieldKind)
        /// `Value`: any JSON, such as a policy document.
        case json
    }

    /// One field: its CloudFormation name, the initialiser label, its kind, and whether the initialiser requires it.
    public struct FieldShape: Sendable, Equatable {
        public let schemaName: String
        public let label: String
        public let kind: FieldKind
        public let required: Bool

        public init(_ schemaName: String, label: String, _ kind: FieldKind, required: Bool = false) {
            self.schemaName = schemaName
            self.label = label
            self.kind = kind
            self.required = required
        }
    }

    /// One generated resource type: its Swift type (`SQS.Queue`) and its initialiser's fields, in order.
    public struct ResourceShape: Sendable, Equatable {
        public let swiftType: String
        public let fields: [FieldShape]

        public init(swiftType: String, fields: [FieldShape]) {
            self.swiftType = swiftType
            self.fields = fields
        }
    }
}
