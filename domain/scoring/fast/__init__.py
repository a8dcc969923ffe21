"""The fast path of scoring: the pure engine's rules per subject stream, for replay and seals
at the storage floor (issue 12; tests/differential holds it to the reference)."""
