"""Showing a revealed identifier once, after the audited POST (POST-redirect-GET).

The reveal service writes the audit row; the view remembers which field was revealed in the
session and redirects to the detail page, which takes the flag once. A reload shows the masked
value again and writes no second audit row.
"""

from __future__ import annotations

from django.db.models import Model
from django.http import HttpRequest

SESSION_KEY = "core_revealed"


def reveal_remember(request: HttpRequest, obj: Model, field: str) -> None:
    request.session[SESSION_KEY] = {"object": obj._meta.label_lower, "pk": obj.pk, "field": field}


def reveal_take(request: HttpRequest, obj: Model) -> str | None:
    """The field revealed for this object by the request just before, if any (once)."""
    revealed = request.session.pop(SESSION_KEY, None) or {}
    if revealed.get("object") == obj._meta.label_lower and revealed.get("pk") == obj.pk:
        return revealed.get("field")
    return None
