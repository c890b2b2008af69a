"""The expression language: parsing, evaluation, null rules, and refusal of everything outside the grammar."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.expressions import (
    Context,
    ExpressionError,
    Measurement,
    OrdinalValue,
    Value,
    evaluate,
    is_true,
    parse,
)

D = Decimal


def ev(source: str, **values: Value) -> Value:
    return evaluate(source, Context(values=values))


def test_arithmetic_follows_precedence_and_parentheses() -> None:
    assert ev("1 + 2 * 3") == D(7)
    assert ev("(1 + 2) * 3") == D(9)
    assert ev("10 / 4 - -1") == D("3.5")


def test_decimal_arithmetic_is_exact() -> None:
    assert ev("0.1 + 0.2") == D("0.3")


def test_comparisons_and_logic() -> None:
    assert ev("a < b and not (a == b)", a=D(1), b=D(2)) is True
    assert ev("a >= 2 or b != 'x'", a=D(1), b="x") is False


def test_membership_in_a_list_literal_and_in_a_multiple_choice_answer() -> None:
    assert ev("sex in ['female', 'male']", sex="female") is True
    assert ev("'lung' in organs", organs=("nephritis", "lung")) is True
    assert ev("'cns' not in organs", organs=("nephritis",)) is True


def test_unanswered_item_makes_arithmetic_null() -> None:
    assert ev("weight / 2", weight=None) is None
    assert ev("-weight", weight=None) is None


def test_comparison_with_unanswered_item_is_false() -> None:
    assert ev("weight > 100", weight=None) is False
    assert ev("weight == 100", weight=None) is False
    assert ev("x in [1, 2]", x=None) is False
    assert ev("x not in [1, 2]", x=None) is False


def test_logic_is_three_valued() -> None:
    assert ev("flag and false", flag=None) is False
    assert ev("flag or true", flag=None) is True
    assert ev("flag and true", flag=None) is None
    assert ev("not flag", flag=None) is None
    assert is_true("not flag", Context(values={"flag": None})) is False


def test_missing_name_reads_as_null() -> None:
    assert ev("is_empty(never_entered)") is True


def test_division_by_zero_is_null() -> None:
    assert ev("1 / x", x=D(0)) is None


def test_whitelisted_functions() -> None:
    assert ev("sum(a, b, 3)", a=D(1), b=D(2)) == D(6)
    assert ev("sum(a, b)", a=D(1), b=None) is None
    assert ev("count_true(a, b, c)", a=True, b=None, c=True) == D(2)
    assert ev("is_empty(t)", t="  ") is True
    assert ev("is_empty(t)", t=()) is True
    assert ev("coalesce(a, b, 3)", a=None, b=D(2)) == D(2)
    assert ev("days_between(a, b)", a=date(2026, 1, 1), b=date(2026, 3, 1)) == D(59)
    assert ev("min(3, 1, 2) + max(3, 1, 2) + abs(-4)") == D(8)
    assert ev("round(2.345, 2)") == D("2.35")
    assert ev("count(rows)", rows=({"a": D(1)}, {"a": D(2)})) == D(2)


def test_visit_function_uses_the_resolver_and_is_null_without_one() -> None:
    seen: list[tuple[str, str]] = []

    def resolver(visit_id: str, item_id: str) -> Value:
        seen.append((visit_id, item_id))
        return D(12)

    context = Context(values={"sledai_total": D(6)}, resolver=resolver)
    assert evaluate("visit('baseline', 'sledai_total') - sledai_total", context) == D(6)
    assert seen == [("baseline", "sledai_total")]
    assert ev("visit('baseline', 'sledai_total')") is None


def test_this_visit_names_the_visit_being_entered() -> None:
    assert evaluate("this_visit() == 'week_6'", Context(values={}, visit_id="week_6")) is True


def test_weighted_sum_uses_item_weights_and_is_null_when_an_item_is_unanswered() -> None:
    weights = {"a": D(8), "b": D(4)}
    assert evaluate("weighted_sum(a, b)", Context(values={"a": True, "b": False}, weights=weights)) == D(8)
    assert evaluate("weighted_sum(a, b)", Context(values={"a": True, "b": None}, weights=weights)) is None


def test_ordinal_answers_compare_by_rank() -> None:
    order = ("negative", "1:40", "1:80", "1:160")
    titre = OrdinalValue("1:160", order)
    assert ev("titre >= '1:80'", titre=titre) is True
    assert ev("titre == '1:160'", titre=titre) is True
    assert ev("titre < '1:40'", titre=OrdinalValue("negative", order)) is True


def test_ordinal_comparison_with_a_level_not_on_the_scale_is_refused() -> None:
    with pytest.raises(ExpressionError, match="not a level of the scale"):
        ev("titre >= '1:81'", titre=OrdinalValue("1:80", ("negative", "1:80")))


def test_measurements_compare_on_their_standardized_value_and_expose_flags() -> None:
    c3 = Measurement(D("0.6"), "g/L", D("60"), "mg/dL", "L")
    assert ev("c3 < 75", c3=c3) is True
    assert ev("is_low(c3) and not is_high(c3)", c3=c3) is True
    assert ev("is_low(c3)", c3=None) is None


def test_modified_sri4_function() -> None:
    assert ev("modified_sri4(10, 1, 6, 1.2)") is True
    assert ev("modified_sri4(10, 1, 7, 1)") is False
    assert ev("modified_sri4(b, 1, 6, 1)", b=None) is None


def test_type_errors_name_the_column() -> None:
    with pytest.raises(ExpressionError, match="expected a number, got text at column 3"):
        ev("a + 1", a="x")
    with pytest.raises(ExpressionError, match="cannot compare text with number"):
        ev("a == 1", a="x")
    with pytest.raises(ExpressionError, match="expected yes/no"):
        ev("a and true", a=D(1))


def test_parse_reports_names_calls_and_visit_lookups() -> None:
    expression = parse("sum(a, b) > visit('baseline', 'c') and d")
    assert expression.names == {"a", "b", "d"}
    assert {c.function for c in expression.calls} == {"sum", "visit"}
    assert expression.visit_lookups == {("baseline", "c")}


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("a.b", "attribute access", 2),
        ("visit('baseline').sledai_total", "attribute access", 18),
        ("items[0]", "subscripts", 6),
        ("open('x')", "unknown function 'open'", 1),
        ("eval('1')", "unknown function 'eval'", 1),
        ("import os", "'import' is not part of the expression language", 1),
        ("lambda x: x", "'lambda' is not part of the expression language", 1),
        ("__class__", "double underscores", 1),
        ("x.__class__", "attribute access", 2),
        ("__import__('os')", "double underscores", 1),
        ("(a)(b)", "only the listed functions may be called", 4),
        ("a = 1", "use '=='", 3),
        ("a ** 2", r"'\*\*' is not allowed", 3),
        ("1 < 2 < 3", "cannot be chained", 7),
        ("'open", "unterminated text", 1),
        ("a; b", "unexpected character ';'", 2),
        ("a if b else c", "'if' is not part", 3),
        ("sum(", "expected a value", 5),
        ("", "empty", 1),
        ("count(a, b)", r"count\(\) takes 1 argument", 1),
        ("weighted_sum(1)", "takes item names only", 14),
        ("True", "'True' is not part", 1),
    ],
)
def test_text_outside_the_grammar_is_refused_naming_the_column(
    source: str, message: str, column: int
) -> None:
    with pytest.raises(ExpressionError, match=message) as raised:
        parse(source)
    assert raised.value.position == column - 1
    assert f"column {column}" in str(raised.value)


def test_expression_error_is_a_protocol_error() -> None:
    from trialdesk.errors import ProtocolError

    with pytest.raises(ProtocolError):
        parse("a.b")


TOKENS = [*"ab1._()[]'\"=<>!+-*/, ", " and ", " or ", " not ", " in ", "sum(", "__", "import", "true", "null"]


@given(st.lists(st.sampled_from(TOKENS), max_size=20).map("".join))
def test_any_text_either_evaluates_or_is_refused_with_an_expression_error(source: str) -> None:
    try:
        evaluate(parse(source), Context(values={"a": D(1), "b": "x"}))
    except ExpressionError as exc:
        assert exc.position is not None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("count(1)", "count() needs a list or a repeating group, not number"),
        ("is_low('x')", "is_low() needs a laboratory item, not text"),
    ],
)
def test_function_type_errors_name_the_function_and_the_type(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        evaluate(source, Context(values={}))
