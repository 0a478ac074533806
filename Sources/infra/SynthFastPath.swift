import ArgumentParser

/// Reads the everyday `infra synth` command lines without ArgumentParser.
///
/// ArgumentParser builds its command tree, reflects over every option with a Mirror and trial-parses
/// two completion-script pseudo-commands before it looks at the arguments; on a cold process that
/// costs as much as synthesizing a template. This accepts only the plain forms of synth's own
/// options, each at most once:
///
///     synth [--out-dir DIR | --out-dir=DIR] [--template NAME | --template=NAME] [--check]
///
/// and returns nil for anything else (help, unknown or repeated options, a value that looks like an
/// option, an unknown template name), which then goes through ArgumentParser as before, so its
/// messages and exit codes stay the only ones. `SynthFastPathTests` checks that every accepted form
/// parses to what ArgumentParser makes of it.
enum SynthFastPath {
    /// The `Synth` command for `arguments` (without the executable's path), or nil.
    static func command(_ arguments: some Collection<String>) -> Synth? {
        guard arguments.first == Synth.configuration.commandName else { return nil }
        var outDir: String?
        var template: TemplateChoice?
        var check = false
        var rest = arguments.dropFirst()[...]
        while let argument = rest.popFirst() {
            if argument == "--check" {
                if check { return nil }
                check = true
                continue
            }
            let name: Substring, value: String
            if let equals = argument.firstIndex(of: "=") {
                name = argument[..<equals]
                value = String(argument[argument.index(after: equals)...])
            } else {
                guard let next = rest.popFirst() else { return nil }
                name = argument[...]
                value = next
            }
            guard !value.isEmpty, !value.hasPrefix("-") else { return nil }
            switch name {
            case "--out-dir":
                if outDir != nil { return nil }
                outDir = value
            case "--template":
                guard template == nil, let choice = TemplateChoice(rawValue: value) else { return nil }
                template = choice
            default:
                return nil
            }
        }
        var command = Synth()
        command.outDir = outDir ?? Synth.defaultOutDir
        command.template = template
        command.check = check
        // ArgumentParser validates after parsing; a command that fails goes back to it for the message.
        guard (try? command.validate()) != nil else { return nil }
        return command
    }
}
