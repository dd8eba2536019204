"""The 待办 block of the staff home page, filled by the apps whose work it is.

Core cannot import the apps above it (STYLE.md layers), so each app registers a provider in its
AppConfig.ready(), as for the person panels (core.panels). A provider returns the to-do items of
one actor: a count of things waiting for them, how many of those are past their deadline, and
the page where they are handled. Each provider must cost a fixed number of queries.

A 待办 item counts exactly the things the actor may act on, decided by the owning app's
permission functions (issue #16 §9: a read-only leader was told of applications they could not
touch). What an officer only follows without acting on it (a liaison officer's village
applications, handled by the township and county) is a `follow` item, shown apart as 跟进.
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
    follow: bool = False  # followed, not acted on: shown under 跟进, not 待办


TodoProvider = Callable[[User], list[Todo]]
_PROVIDERS: list[TodoProvider] = []


def register_todo_provider(provider: TodoProvider) -> TodoProvider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def workbench_items(actor: User) -> tuple[list[Todo], list[Todo]]:
    """The actor's non-empty to-do items and followed items, each overdue first."""
    items = sorted((todo for provider in _PROVIDERS for todo in provider(actor) if todo.count),
                   key=lambda todo: (-todo.overdue, todo.module))
    return ([todo for todo in items if not todo.follow],
            [todo for todo in items if todo.follow])


def todos_for(actor: User) -> list[Todo]:
    """Every non-empty to-do item of the actor, overdue first."""
    return workbench_items(actor)[0]
