"""Use cases: each ties domain rules to the adapters it needs. Handlers call these, nothing else."""
