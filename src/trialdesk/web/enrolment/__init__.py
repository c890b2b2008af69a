"""Pages and JSON endpoints for screening, consent, randomization and the epidemiologist's list. They call services only."""
