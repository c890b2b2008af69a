"""The small trial of the results service tests, for the generated-file pages."""

from tests.services.results.conftest import give, investigator, lots, trial

__all__ = ["give", "investigator", "lots", "trial"]
