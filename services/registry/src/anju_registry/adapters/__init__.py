"""Adapters: MongoDB repositories on the kit's AggregateStore."""
