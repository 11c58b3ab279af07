"""The seeded city (issue #10): one region's ten years of data, loaded through the services' own write paths.

``python -m tests.bench.city`` (``make seed-city``) seeds it; ``tests.bench.queries`` times read-model
questions against it (``make bench``). Modules:

* :mod:`.plan` — how many of each thing a scale gives, and every id, date and lifecycle stage (pure);
* :mod:`.policy_facts`, :mod:`.claim_commands`, :mod:`.registry_requests` — the messages, built from the plan;
* :mod:`.processes` — the services as local processes (own ports, databases, consumer groups);
* :mod:`.kafka_io` — bulk producing with actor tokens, waiting until a consumer group has drained;
* :mod:`.manifest` — what was seeded where, so a re-run resumes and the bench finds the city;
* :mod:`.seed` — the phases in order, timed, with the resulting collection sizes.
"""
