from trialdesk.errors import Problem, ValidationFailed


def test_validation_error_lists_each_problem_with_its_field_and_rule() -> None:
    error = ValidationFailed("The form has problems", (Problem("glucose", "must be positive"),))
    assert "glucose: must be positive" in str(error)
