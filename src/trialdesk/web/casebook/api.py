"""JSON endpoints for case report forms, queries, verification, locks and lab import (mounted on the one NinjaAPI in web/api.py)."""

from ninja import Router

router = Router(tags=["casebook"])
