"""Storage for form data, item history, queries, source verification, locks, e-signatures, lab imports (its own Django app and migration stream, label `casebook`)."""
