import Foundation

/// Time as the deployer sees it: injected so waits take no real time in tests.
public struct DeployClock: Sendable {
    public var now: @Sendable () -> Date
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// The wall clock and `Task.sleep` (which throws on cancellation, so Ctrl-C ends a wait promptly).
    public static var system: DeployClock {
        DeployClock(now: { Date() }, sleep: { try await Task.sleep(for: $0) })
    }
}

/// Where the deployer writes and how it asks questions; the CLI binds it to the terminal.
public struct Console: Sendable {
    /// Writes one line (no trailing newline) to standard output.
    public var line: @Sendable (String) -> Void
    /// Writes raw text (ANSI sequences for the live view) to standard output.
    public var raw: @Sendable (String) -> Void
    /// Asks a yes/no question; `nil` when there is no terminal to ask on.
    public var confirm: @Sendable (String) async -> Bool?
    /// Whether standard output is a terminal (enables the live view in `auto` mode).
    public var isTerminal: Bool
    /// Terminal width in columns, for truncating live lines.
    public var width: Int

    public init(
        line: @escaping @Sendable (String) -> Void, raw: @escaping @Sendable (String) -> Void = { _ in },
        confirm: @escaping @Sendable (String) async -> Bool? = { _ in nil }, isTerminal: Bool = false, width: Int = 80
    ) {
        self.line = line
        self.raw = raw
        self.confirm = confirm
        self.isTerminal = isTerminal
        self.width = width
    }
}

extension Duration {
    /// Seconds as a floating-point number.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}

/// Parses durations such as `60m`, `90s`, `1h30m`.
public enum DurationParser {
    /// Returns `nil` for anything but one or more `<integer><h|m|s>` groups.
    public static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var digits = ""
        var sawGroup = false
        for character in text.lowercased() {
            if character.isNumber {
                digits.append(character)
                continue
            }
            guard let value = Int64(digits) else { return nil }
            switch character {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            default: return nil
            }
            digits = ""
            sawGroup = true
        }
        guard digits.isEmpty, sawGroup, total > 0 else { return nil }
        return .seconds(total)
    }
}
