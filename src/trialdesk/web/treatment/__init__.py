"""Pages and JSON endpoints for dosing, lots, visits, adverse events and safety. They call services only."""
