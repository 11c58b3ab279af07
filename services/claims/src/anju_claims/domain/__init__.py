"""The claims domain: pure, synchronous, no I/O. Aggregates check the SPEC rules and record events."""
