"""How the world reaches the claims service: Kafka subscribers, the HTTP API, the overdue sweeper."""
