"""Pure: the protocol schema, loading and validation, and registry-record importers."""
