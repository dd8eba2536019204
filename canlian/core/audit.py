"""The one way to write the audit log (等保 安全审计, DOMAIN.md §7.1; DESIGN.md "Security").

Every service that writes person-level data, reveals a full identifier or exports a file calls
:func:`audit_record` inside its own transaction, so the audit row and the change commit together.
Encrypted identifiers are written to the log masked: the log proves *that* a number changed
without becoming a second, less protected copy of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.http import HttpRequest

from canlian.core.idnumbers import mask_certificate_number, mask_id_number, mask_phone
from canlian.core.models import AuditAction, AuditEvent, User

# Field name → masking function for values that must never appear in full in the log.
MASKED_FIELDS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "certificate_number": mask_certificate_number,
    "guardian_phone": mask_phone,
    "guardian_id_number": mask_id_number,
    "head_id_number": mask_id_number,
}
SECRET_FIELDS = frozenset({"password", "secret_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _loggable(field: str, value: Any) -> Any:
    if field in SECRET_FIELDS:
        return "******" if value else ""
    if field in MASKED_FIELDS:
        return MASKED_FIELDS[field](value)
    return _plain(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Values of `fields` before a change, to pass to :func:`diff` afterwards."""
    return {f: getattr(instance, f) for f in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for the fields whose value changed, masked where needed."""
    return {
        field: [_loggable(field, before.get(field)), _loggable(field, after.get(field))]
        for field in after
        if before.get(field) != after.get(field)
    }


def is_empty(value: Any) -> bool:
    """A value a new record leaves empty: none, "", or an empty list, tuple or dict."""
    return value is None or value == "" or (isinstance(value, list | tuple | dict) and not value)


def created(instance: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    """`{field: [None, value]}` for the fields a new record fills in. An empty field is left
    out: its old value is none as well, so it tells the auditor nothing (and a person created
    by an import would carry a dozen such lines: the audit log holds one row per person)."""
    values = ((f, getattr(instance, f)) for f in fields)
    return {f: [None, _loggable(f, value)] for f, value in values if not is_empty(value)}


# The web request being answered, set by AuditRequestMiddleware: a service that writes an audit
# row without being handed the request (issue #16 §16: rows without an IP) still records the
# client's address. Rows written by tasks and commands have none, and say so on the log page.
_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


@contextmanager
def request_context(request: HttpRequest) -> Iterator[None]:
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def client_ip(request: HttpRequest | None) -> str | None:
    request = request if request is not None else _current_request.get()
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    region_code: str = "",
    summary: str = "",
    changes: Mapping[str, Any] | None = None,
    success: bool = True,
    request: HttpRequest | None = None,
    actor_username: str = "",
) -> AuditEvent:
    """Append one audit row. `summary` is a short Chinese description without personal data."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        region_code = region_code or _region_code_of(obj)
    if actor is not None and actor.is_authenticated:
        actor_username = actor.username
    else:
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=actor_username,
        action=action,
        success=success,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:200],
        changes=dict(changes or {}),
        region_code=region_code,
        ip_address=client_ip(request),
    )


def _region_code_of(obj: models.Model) -> str:
    for attr in ("region_code", "region_id"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return ""
