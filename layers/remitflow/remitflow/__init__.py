"""remitflow: payment posting and reconciliation for medical billing."""

__version__ = "0.1.0"
