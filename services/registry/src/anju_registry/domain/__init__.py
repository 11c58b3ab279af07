"""Registry domain: pure rules for agencies, practitioners, insurers' staff, teams and credit (no I/O)."""
