"""A small, safe expression language for `show_if`, calculated items and edit checks.

The text is tokenized and parsed by hand (recursive descent) into a tree of frozen nodes, and the tree is
walked by `evaluate`. Python's `eval`, `compile` and `ast` are never used: whatever is not in the grammar
below is refused with an `ExpressionError` naming the column.

    expression  = or_expr ;
    or_expr     = and_expr { "or" and_expr } ;
    and_expr    = not_expr { "and" not_expr } ;
    not_expr    = "not" not_expr | comparison ;
    comparison  = additive [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) additive
                           | [ "not" ] "in" additive ] ;
    additive    = term { ( "+" | "-" ) term } ;
    term        = unary { ( "*" | "/" ) unary } ;
    unary       = "-" unary | primary ;
    primary     = NUMBER | STRING | "true" | "false" | "null" | NAME | call | list | "(" expression ")" ;
    call        = FUNCTION "(" [ expression { "," expression } ] ")" ;
    list        = "[" [ expression { "," expression } ] "]" ;

Null (an unanswered or hidden item) propagates: arithmetic with null is null; a comparison (`==`, `<`,
`in`, ...) with null is **false**; `and`/`or`/`not` follow three-valued (Kleene) logic, so `null and false`
is false, `null or true` is true, `not null` is null. A `show_if` shows its item, and an edit check fires,
only when the result is exactly true. Test for an answer with `is_empty(x)`, never `x == null`.
"""

from __future__ import annotations

from trialdesk.core.expressions.evaluation import Context, evaluate, is_true
from trialdesk.core.expressions.functions import FUNCTIONS
from trialdesk.core.expressions.parser import parse
from trialdesk.core.expressions.tokens import KEYWORDS, tokenize
from trialdesk.core.expressions.tree import Expression
from trialdesk.core.expressions.values import ExpressionError, Measurement, OrdinalValue, Value, VisitResolver

__all__ = [
    "KEYWORDS",
    "FUNCTIONS",
    "Context",
    "Expression",
    "ExpressionError",
    "Measurement",
    "OrdinalValue",
    "Value",
    "VisitResolver",
    "evaluate",
    "is_true",
    "parse",
    "tokenize",
]
