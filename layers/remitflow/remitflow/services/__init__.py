"""Use cases: each ties domain rules to the stores it needs, through the protocols in `ports`
(runtime.py wires the real adapters). Handlers call these, nothing else."""
