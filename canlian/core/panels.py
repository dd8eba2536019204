"""Panels of the person 360° page that other apps fill (benefits, services, visits, cases).

The registry's page cannot import the apps above it (STYLE.md layers), so each app registers a
provider in its AppConfig.ready(); the page shows every panel a provider returns for the viewer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from canlian.core.models import User


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[User, Any], Panel | None]
_PROVIDERS: list[Provider] = []


def register_person_panel(provider: Provider) -> Provider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def person_panels(actor: User, person: Any) -> list[Panel]:
    return [panel for provider in _PROVIDERS if (panel := provider(actor, person)) is not None]
