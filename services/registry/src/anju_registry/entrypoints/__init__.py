"""Entry points: Kafka subscribers and the HTTP API."""
