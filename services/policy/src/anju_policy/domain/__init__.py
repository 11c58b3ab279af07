"""The policy domain: pure, synchronous; no Kafka, database or HTTP imports."""
