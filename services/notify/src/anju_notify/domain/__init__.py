"""The notify service's pure domain: the obligation ledger record, its schedule and its refusals (no I/O)."""
