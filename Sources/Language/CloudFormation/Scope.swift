/// Where a construct sits in a template, as the readable prefix of the logical ids it creates.
///
/// A construct takes a scope and its own id, and names what it creates `id + member`: a queue
/// construct with id `Jobs` creates `JobsQueue` and `JobsDLQueue`, the same construct with id `Audit`
/// creates `AuditQueue` and `AuditDLQueue`. Nested constructs prefix their parent's id. An empty id adds
/// nothing, which keeps the ids of a template written before scopes (`VPC`, `SubnetA`). No hashes:
/// the ids stay what a person reads in the console, and renaming one is a visible change.
public struct Scope: Sendable, Hashable, CustomStringConvertible {
    /// The ids of the enclosing constructs, joined.
    public let prefix: String

    /// The template itself: ids get no prefix.
    public static let root = Scope(prefix: "")

    public init(prefix: String) {
        self.prefix = prefix
    }

    /// The scope of a construct with `id` inside this one.
    public func child(_ id: String) -> Scope { Scope(prefix: prefix + id) }

    /// The logical id of `member` in this scope, e.g. `Jobs` + `Queue` = `JobsQueue`.
    public func id(_ member: String) -> String { prefix + member }

    /// The logical id of the scope's main resource: the construct's id itself (`Bucket` for a bucket
    /// construct with id `Bucket`, whose policy is `BucketPolicy`).
    public var ownId: String { prefix }

    public var description: String { prefix.isEmpty ? "<root>" : prefix }
}

/// A reusable piece of architecture: resources, parameters, conditions or outputs made together, and
/// other constructs.
///
/// A construct registers its elements in one place, its stored properties: every stored property that is
/// a template component (or an array or optional of them) goes into the template, in declaration
/// order. There is no list to keep in step by hand. Store only what the construct creates; to use
/// another construct's resource, keep its reference (`queue.arn`, `bucket.ref`) or take it as an init
/// argument. A resource stored by two constructs is declared twice and fails validation, naming it.
public protocol Construct: TemplateComponent {}

extension Construct {
    public var templateElements: [TemplateElement] { ConstructMembers.elements(of: self) }
}

/// Collects the template elements of a value's stored properties.
enum ConstructMembers {
    static func elements(of value: Any) -> [TemplateElement] {
        var elements: [TemplateElement] = []
        for child in Mirror(reflecting: value).children {
            elements += collect(child.value)
        }
        return elements
    }

    private static func collect(_ value: Any) -> [TemplateElement] {
        if let component = value as? any TemplateComponent { return component.templateElements }
        if let components = value as? [any TemplateComponent] { return components.flatMap(\.templateElements) }
        // Arrays of other element types (a struct's `[EC2.Subnet]` casts above; `[Any]` of mixed ones here).
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .collection {
            return mirror.children.flatMap { collect($0.value) }
        }
        return []
    }
}
