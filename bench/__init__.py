"""Benchmarks: `make bench` runs every operation on SQLite and PostgreSQL and prints a table."""
