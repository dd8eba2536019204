"""The 待办 block of the staff home page, filled by the apps whose work it is.

Core cannot import the apps above it (STYLE.md layers), so each app registers a provider in its
AppConfig.ready(), as for the person panels (core.panels). A provider returns the to-do items of
one actor: a count of things waiting for them, how many of those are past their deadline, and
the page where they are handled. Each provider must cost a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from canlian.core.models import User


@dataclass(frozen=True)
class Todo:
    label: str  # "待您审核的补贴申请"
    count: int
    url: str
    overdue: int = 0  # of `count`, past their deadline
    module: str = ""  # the menu module it belongs to, shown before the label
    unit: str = "件"  # the measure word: 件 for applications and cases, 人 for people


TodoProvider = Callable[[User], list[Todo]]
_PROVIDERS: list[TodoProvider] = []


def register_todo_provider(provider: TodoProvider) -> TodoProvider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def todos_for(actor: User) -> list[Todo]:
    """Every non-empty to-do item of the actor, overdue first."""
    items = [todo for provider in _PROVIDERS for todo in provider(actor) if todo.count]
    return sorted(items, key=lambda todo: (-todo.overdue, todo.module))
