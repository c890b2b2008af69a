"""JSON endpoints for screening, consent, randomization and the epidemiologist's list (mounted on the one NinjaAPI in web/api.py)."""

from ninja import Router

router = Router(tags=["enrolment"])
