"""The fast path of scoring: the same rules as the pure engine, per subject stream, for replay and seals
at the storage floor (issue 12)."""
