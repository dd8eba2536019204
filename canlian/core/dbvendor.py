"""Helpers for the few migrations that run SQL on one database engine only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def on_postgresql(statements: Sequence[str]) -> Callable[[Any, Any], None]:
    """A RunPython function that executes `statements` on PostgreSQL and does nothing
    elsewhere (the embedded SQLite engine)."""

    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


def on_sqlite(statements: Sequence[str]) -> Callable[[Any, Any], None]:
    """A RunPython function that executes `statements` on SQLite and does nothing elsewhere."""

    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return apply
