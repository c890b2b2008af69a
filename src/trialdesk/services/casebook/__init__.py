"""Use cases for form data, item history, queries, source verification, locks, e-signatures, lab imports: permission check, core rule, write and audit entry in one transaction."""
