/// Keeps a value alive so the optimiser cannot drop the work that produced it.
///
/// Deliberately not `@inlinable`: callers in other modules see an opaque call they cannot remove.
@_optimize(none)
@inline(never)
public func blackHole<T>(_ value: T) {}
