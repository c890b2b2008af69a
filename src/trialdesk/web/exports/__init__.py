"""Data out on the web: the exports page and `GET /api/exports/{format}`, both streaming the service's bytes."""
