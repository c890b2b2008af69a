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
    n = len(source)
    while i < n:
        char = source[i]
        if char.isspace():
            i += 1
        elif char.isascii() and char.isdigit():
            start = i
            while i < n and source[i].isdigit():
                i += 1
            if i < n and source[i] == "." and i + 1 < n and source[i + 1].isdigit():
                i += 1
                while i < n and source[i].isdigit():
                    i += 1
            if i < n and (source[i].isalpha() or source[i] == "_"):
                raise _error("a number cannot run into a name", i, source)
            tokens.append(Token("number", source[start:i], start))
        elif char in "'\"":
            start = i
            i += 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise _error("unterminated text literal", start, source)
                if source[i] == "\\" and i + 1 < n and source[i + 1] in ("\\", char):
                    chars.append(source[i + 1])
                    i += 2
                elif source[i] == char:
                    i += 1
                    break
                else:
                    chars.append(source[i])
                    i += 1
            tokens.append(Token("string", "".join(chars), start))
        elif char.isascii() and (char.isalpha() or char == "_"):
            start = i
            while i < n and source[i].isascii() and (source[i].isalnum() or source[i] == "_"):
                i += 1
            word = source[start:i]
            if "__" in word:
                raise _error(f"names with double underscores ('{word}') are not allowed", start, source)
            if word in KEYWORDS:
                tokens.append(Token("keyword", word, start))
            elif keyword.iskeyword(word) or keyword.issoftkeyword(word) or word in ("True", "False", "None"):
                raise _error(f"'{word}' is not part of the expression language", start, source)
            else:
                tokens.append(Token("name", word, start))
        elif source.startswith(_TWO_CHAR, i):
            tokens.append(Token("op", source[i : i + 2], i))
            i += 2
        elif char == ".":
            raise _error("attribute access ('.') is not allowed", i, source)
        elif char == "=":
            raise _error("use '==' to compare ('=' is not allowed)", i, source)
        elif char in _ONE_CHAR:
            if char == "*" and source.startswith("**", i):
                raise _error("'**' is not allowed", i, source)
            if char == "/" and source.startswith("//", i):
                raise _error("'//' is not allowed", i, source)
            tokens.append(Token("op", char, i))
            i += 1
        else:
            raise _error(f"unexpected character {char!r}", i, source)
    tokens.append(Token("end", "", n))
    return tokens
