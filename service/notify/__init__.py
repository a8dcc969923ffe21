"""Reminders driven from the log: appeals filed, windows about to close (P2, P4), decisions overdue."""
