"""The audit log as people read it (issue #16 §16): each row's object by its Chinese type and
a masked label ("残疾人 张*三"), its region by name, and who wrote a row without a request.

Core cannot import the apps above it; the models are found through the app registry by the
`object_type` the row stores (`app_label.model`). A page's labels come from one UNION query
over the types on the page, so the list costs the same number of queries whatever it holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast

from canlian.core.models import AuditEvent
from canlian.core.selectors import region_labels

# object_type strings that name no model (a report, not a row).
EXTRA_TYPES = {"organizations.coverage": "组织覆盖情况"}
PERSONAL_NAME = "姓名"  # the verbose_name of a field holding a person's name
NO_REQUEST = "系统/后台任务"  # what the IP column says for rows written outside a web request


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明: enough to tell rows apart, not a name."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _platform_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("canlian.")
            and not m._meta.model_name.startswith("historical")]


def object_type_choices() -> list[tuple[str, str]]:
    """Every type an audit row may name, by its Chinese name (no query)."""
    names = {}
    for model in _platform_models():
        app = apps.get_app_config(model._meta.app_label).verbose_name
        names[model._meta.label_lower] = f"{model._meta.verbose_name}（{app}）"
    names.update(EXTRA_TYPES)
    return sorted(names.items(), key=lambda item: item[1])


def object_type_label(object_type: str) -> str:
    if object_type in EXTRA_TYPES:
        return EXTRA_TYPES[object_type]
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def _name_source(model: type[models.Model]) -> str | None:
    """The column a row of this model is labelled by: a person's name, its own or its
    person's; none for rows that are not about a person."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    if "name" in fields and str(fields["name"].verbose_name) == PERSONAL_NAME:
        return "name"
    person = fields.get("person")
    if person is not None and person.related_model is not None and _name_source(
            person.related_model) == "name":
        return "person__name"
    return None


def _names(events: Sequence[AuditEvent]) -> dict[tuple[str, str], str]:
    """(object_type, object_id) → the person's name, for every labelled row: one query."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.object_type and event.object_id.isdigit():
            wanted[event.object_type].add(int(event.object_id))
    parts: list[Any] = []
    for object_type, ids in wanted.items():
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            continue
        source = _name_source(model)
        if source is None or not isinstance(model._meta.pk, models.AutoField | models.BigAutoField):
            continue
        parts.append(model._default_manager.filter(pk__in=ids).order_by().values_list(
            Value(object_type, output_field=CharField()), Cast("pk", CharField()),
            F(source)))
    if not parts:
        return {}
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return {(kind, key): name or "" for kind, key, name in query}


def _field_labels(object_type: str) -> tuple[dict[str, str], frozenset[str]]:
    """The model's field names → Chinese names, and the fields holding a person's name."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}, frozenset()
    fields = [f for f in model._meta.concrete_fields]
    labels = {f.name: str(f.verbose_name) for f in fields}
    labels.update({f.attname: str(f.verbose_name) for f in fields})
    names = frozenset(f.name for f in fields if str(f.verbose_name) == PERSONAL_NAME)
    return labels, names


def change_lines(event: AuditEvent) -> list[str]:
    """The row's changes as the page shows them: fields by their Chinese names, a person's
    name masked like the object label (the stored row keeps what it recorded)."""
    labels, names = _field_labels(event.object_type) if event.object_type else ({}, frozenset())
    lines = []
    for key, value in (event.changes or {}).items():
        label = labels.get(key, key)
        if key in names:
            value = [mask_name(str(v)) if v else v for v in value] if isinstance(
                value, list) else mask_name(str(value))
        if isinstance(value, list) and len(value) == 2:
            old, new = ("" if v is None else v for v in value)
            lines.append(f"{label}：{old} → {new}")
        else:
            lines.append(f"{label}：{value}")
    return lines


def describe(events: Sequence[AuditEvent]) -> None:
    """Attach `object_label` (Chinese type), `object_name` (masked), `region_label`,
    `ip_label` and `change_display` to each event of a page: two queries for the page."""
    names = _names(events)
    regions = region_labels(e.region_code for e in events)
    for event in events:
        event.object_label = object_type_label(event.object_type) if event.object_type else ""
        name = names.get((event.object_type, event.object_id), "")
        event.object_name = mask_name(name) if name else ""
        event.region_label = regions.get(event.region_code, event.region_code)
        event.ip_label = event.ip_address or NO_REQUEST
        event.change_display = change_lines(event)
