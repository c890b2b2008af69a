"""Models of the `treatment` app. Rules live in `core/`; use cases in `services/treatment/`."""
