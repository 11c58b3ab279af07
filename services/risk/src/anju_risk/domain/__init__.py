"""The risk service's pure domain: the project's risk file and its rules (no I/O)."""
