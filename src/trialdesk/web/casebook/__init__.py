"""Pages and JSON endpoints for case report forms, queries, verification, locks and lab import. They call services only."""
