/// Counts jobs in flight so the worker only receives messages it can start at once.
///
/// Receiving more than it can run would hide messages from other workers while they wait here,
/// eating into their visibility timeout for nothing.
///
/// Slots count jobs, not cores: the cores themselves are shared through `CoreBudget.process`
/// (see `runSepiaResult`), where each job's pipeline counts while it computes and PNG compression
/// borrows only cores no pipeline is using. With the default capacity (one slot per core) a full
/// worker therefore runs one thread per core and never oversubscribes.
actor JobSlots {
    let capacity: Int
    private(set) var used = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Waits until at least one slot is free, then reserves up to `limit` of the free ones.
    func reserve(upTo limit: Int) async -> Int {
        while used >= capacity {
            await withCheckedContinuation { waiters.append($0) }
        }
        let count = min(limit, capacity - used)
        used += count
        return count
    }

    /// Returns `count` slots and wakes whoever waits for one.
    func release(_ count: Int = 1) {
        used = max(0, used - count)
        let woken = waiters
        waiters = []
        for waiter in woken { waiter.resume() }
    }
}
