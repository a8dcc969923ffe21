"""Aggregates of the ledger: their events are the stored format (explicit, stable topics).

Boundaries (see docs/ledger.md): a Period owns its lifecycle and subjects; each
subject's facts in a period form one SubjectLedger (short streams, little contention);
facts naming several subjects (D11, B6) and rank awards (B4) live on the Period's
JointLedger; an Appeal is its own aggregate; a CommandRecord makes a client key
idempotent in the same transaction as the events it produced.
"""
