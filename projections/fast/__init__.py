"""The fast replay: a period's results from the log at the speed of reading it (docs/ledger.md, "Fast replay")."""
