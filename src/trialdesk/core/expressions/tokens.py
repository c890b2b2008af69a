"""Tokenizing an expression: numbers, strings, names, keywords and operators, each with its column."""

from __future__ import annotations

import keyword
from dataclasses import dataclass

from trialdesk.core.expressions.values import _error

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
_TWO_CHAR = ("==", "!=", "<=", ">=")
_ONE_CHAR = frozenset("+-*/<>()[],")


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "string", "name", "keyword", "op", "end"
    text: str
    position: int


def tokenize(source: str) -> list[Token]:
    """Split `source` into tokens; refuses characters and words that are not in the language."""
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char.isspace():
            i += 1
            continue
        if char.isascii() and char.isdigit():
            token, i = _number(source, i)
        elif char in "'\"":
            token, i = _string(source, i)
        elif char.isascii() and (char.isalpha() or char == "_"):
            token, i = _word(source, i)
        else:
            token, i = _operator(source, i)
        tokens.append(token)
    tokens.append(Token("end", "", len(source)))
    return tokens


# Each scanner reads one token starting at `start` and returns it with the index just after it.


def _number(source: str, start: int) -> tuple[Token, int]:
    """Digits, optionally '.' and more digits; a number may not run straight into a name."""
    i = start
    n = len(source)
    while i < n and source[i].isdigit():
        i += 1
    if i < n and source[i] == "." and i + 1 < n and source[i + 1].isdigit():
        i += 1
        while i < n and source[i].isdigit():
            i += 1
    if i < n and (source[i].isalpha() or source[i] == "_"):
        raise _error("a number cannot run into a name", i, source)
    return Token("number", source[start:i], start), i


def _string(source: str, start: int) -> tuple[Token, int]:
    """A text literal in the quote at `start`; a backslash escapes only a backslash or that quote."""
    quote = source[start]
    i = start + 1
    n = len(source)
    chars: list[str] = []
    while True:
        if i >= n:
            raise _error("unterminated text literal", start, source)
        if source[i] == "\\" and i + 1 < n and source[i + 1] in ("\\", quote):
            chars.append(source[i + 1])
            i += 2
        elif source[i] == quote:
            i += 1
            break
        else:
            chars.append(source[i])
            i += 1
    return Token("string", "".join(chars), start), i


def _word(source: str, start: int) -> tuple[Token, int]:
    """A keyword of the language or a name; Python's own keywords and dunder names are refused."""
    i = start
    n = len(source)
    while i < n and source[i].isascii() and (source[i].isalnum() or source[i] == "_"):
        i += 1
    word = source[start:i]
    if "__" in word:
        raise _error(f"names with double underscores ('{word}') are not allowed", start, source)
    if word in KEYWORDS:
        return Token("keyword", word, start), i
    if keyword.iskeyword(word) or keyword.issoftkeyword(word) or word in ("True", "False", "None"):
        raise _error(f"'{word}' is not part of the expression language", start, source)
    return Token("name", word, start), i


def _operator(source: str, i: int) -> tuple[Token, int]:
    """An operator or bracket; Python operators outside the language get an error saying what to use."""
    char = source[i]
    if source.startswith(_TWO_CHAR, i):
        return Token("op", source[i : i + 2], i), i + 2
    if char == ".":
        raise _error("attribute access ('.') is not allowed", i, source)
    if char == "=":
        raise _error("use '==' to compare ('=' is not allowed)", i, source)
    if char in _ONE_CHAR:
        if char == "*" and source.startswith("**", i):
            raise _error("'**' is not allowed", i, source)
        if char == "/" and source.startswith("//", i):
            raise _error("'//' is not allowed", i, source)
        return Token("op", char, i), i + 1
    raise _error(f"unexpected character {char!r}", i, source)
