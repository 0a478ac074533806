/// A unified diff of two texts by lines (LCS-based; generated files are small enough for that).
func unifiedDiff(old: String, new: String, oldName: String, newName: String, context: Int = 3) -> String {
    let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // lcs[i][j] = length of the LCS of a[i...] and b[j...].
    var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in stride(from: a.count - 1, through: 0, by: -1) {
        for j in stride(from: b.count - 1, through: 0, by: -1) {
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
        }
    }
    enum Op { case same(String), removed(String), added(String) }
    var ops: [Op] = []
    var i = 0, j = 0
    while i < a.count || j < b.count {
        if i < a.count, j < b.count, a[i] == b[j] {
            ops.append(.same(a[i])); i += 1; j += 1
        } else if j < b.count, i == a.count || lcs[i][j + 1] >= lcs[i + 1][j] {
            ops.append(.added(b[j])); j += 1
        } else {
            ops.append(.removed(a[i])); i += 1
        }
    }
    var out = ["--- \(oldName)", "+++ \(newName)"]
    var index = 0
    while index < ops.count {
        guard let changeStart = ops[index...].firstIndex(where: { if case .same = $0 { false } else { true } }) else { break }
        let start = max(0, changeStart - context)
        var end = changeStart
        var lastChange = changeStart
        while end < ops.count {
            if case .same = ops[end] {
                if end - lastChange > context * 2 { break }
            } else {
                lastChange = end
            }
            end += 1
        }
        end = min(ops.count, lastChange + context + 1)
        var oldLine = 1, newLine = 1
        for op in ops[..<start] {
            switch op {
            case .same: oldLine += 1; newLine += 1
            case .removed: oldLine += 1
            case .added: newLine += 1
            }
        }
        let hunk = ops[start..<end]
        let oldCount = hunk.filter { if case .added = $0 { false } else { true } }.count
        let newCount = hunk.filter { if case .removed = $0 { false } else { true } }.count
        out.append("@@ -\(oldLine),\(oldCount) +\(newLine),\(newCount) @@")
        for op in hunk {
            switch op {
            case .same(let line): out.append(" \(line)")
            case .removed(let line): out.append("-\(line)")
            case .added(let line): out.append("+\(line)")
            }
        }
        index = end
    }
    return out.joined(separator: "\n")
}
