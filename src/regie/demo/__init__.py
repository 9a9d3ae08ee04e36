"""The demo commune: deterministic, seeded, scalable sample data for `regie demo` and benchmarks."""
