"""The service layer: configured ledger application, commands, composition root."""
