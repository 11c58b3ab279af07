"""How the risk service is reached: Kafka commands and HTTP."""
