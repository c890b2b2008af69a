"""JSON endpoints for dosing, lots, visits, adverse events and safety (mounted on the one NinjaAPI in web/api.py)."""

from ninja import Router

router = Router(tags=["treatment"])
