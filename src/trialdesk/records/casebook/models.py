"""Models of the `casebook` app. Rules live in `core/`; use cases in `services/casebook/`."""
