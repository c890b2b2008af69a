"""The small trial of the results tests, for the generated-file (background job) tests."""

from tests.services.results.conftest import give, investigator, lots, trial

__all__ = ["give", "investigator", "lots", "trial"]
