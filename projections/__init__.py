"""Read models folded from the event log (scorecards, rankings, grades): the ledger issue."""
