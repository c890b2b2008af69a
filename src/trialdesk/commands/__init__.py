"""Command implementations too large for `cli.py`: the audit log commands and serving with workers."""
