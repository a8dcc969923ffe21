"""As-of rebuild, publication seals, verification and comparison: the ledger issue."""
