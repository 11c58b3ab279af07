"""anju-registry: the regional pool of agencies, the talent database, insurers' IDI staff, project teams,
evaluations and credit records (SPEC REG-01 … REG-13, SAF-07)."""
