"""Storage only: Django models, migrations and the hash-chained audit log. No business rules here."""
