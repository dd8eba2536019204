"""Whole numbers that come from outside: URL segments, query strings, hidden inputs, POSTed
check boxes. Python's int has no bound and the database's has: an id of 25 digits reached
SQLite as OverflowError (PostgreSQL: "out of range") and the page answered 500 (issue 17 §10).
Every such number goes through one of these, so it is bounded before any query."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

MAX_ID = 2**63 - 1  # a BigAutoField (DEFAULT_AUTO_FIELD) on SQLite and PostgreSQL


class IdConverter:
    """`<id:person_id>` in URL patterns: at most 18 digits, so always below MAX_ID; a longer
    number does not match and the page is 404, as for any id that does not exist."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)


class IdField(forms.IntegerField):
    """A form field for an id or a version number: 1 ≤ n ≤ MAX_ID, otherwise a form error."""

    def __init__(self, *, min_value: int = 1, max_value: int = MAX_ID, **kwargs: Any) -> None:
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


def query_int(data: Mapping[str, Any], name: str, *, low: int = 1, high: int = MAX_ID,
              default: int | None = None) -> int | None:
    """`data[name]` as a whole number within [low, high]; `default` when it is missing, not a
    number or out of range."""
    text = str(data.get(name) or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(high)):
        return default
    value = int(text)
    return value if low <= value <= high else default


def query_ids(values: Iterable[str], *, high: int = MAX_ID) -> list[int]:
    """The whole numbers 1..high among `values` (e.g. request.POST.getlist("person"))."""
    numbers = (query_int({"v": v}, "v", high=high) for v in values)
    return [n for n in numbers if n is not None]
