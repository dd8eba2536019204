"""Set-based writes the ORM has no verb for: INSERT … SELECT.

Eligibility gaps and payroll lines are copied from one query over the registry straight into
their table, so no Python object exists per person (DESIGN.md "Engines": set-based, memory flat
in the number of persons).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connections, models
from django.db.models import QuerySet


def insert_from_select(model: type[models.Model], queryset: QuerySet[Any],
                       columns: Mapping[str, Any]) -> int:
    """Insert one row into `model` per row of `queryset`; `columns` maps each target field name
    to an expression over the queryset's model (F(), Value(), Case(), Subquery() …).

    Returns the number of rows inserted.
    """
    aliases = {f"_ins_{i}": expression for i, expression in enumerate(columns.values())}
    selected = queryset.annotate(**aliases).values(*aliases)
    compiler = selected.query.get_compiler(using=selected.db)
    select_sql, params = compiler.as_sql()
    # The SELECT list order is Django's; read it back so each value lands in its column.
    order = [alias for _, _, alias in compiler.select]
    fields = dict(zip(aliases, columns, strict=True))
    meta = model._meta
    connection = connections[selected.db]
    quote = connection.ops.quote_name
    target = ", ".join(quote(meta.get_field(fields[alias]).column) for alias in order)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({target}) {select_sql}", params)
        return int(cursor.rowcount)
