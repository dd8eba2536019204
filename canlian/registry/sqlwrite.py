"""Multi-row writes for the registry's bulk path (import, demo, forms and API share it).

`bulk_create` prepares every value of every row through the field's ORM hooks (about 7 µs a
value: a person and its history row are some 70 values) and re-encrypts each identifier for
the history row as well. Here the caller hands over values that are already what the column
stores: identifiers as their SM4 ciphertext, computed once and written both to the person and
to its history row. Only dates, datetimes and JSON pass through the connection's adapters.
PostgreSQL takes new rows by COPY, SQLite by `executemany`; updates are `executemany` on both.
Table and column names come from the models' metadata, quoted; every value is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection, models

from canlian.core.crypto import EncryptedCharField

Adapter = Callable[[Any], Any]
_UNSET = object()
_SAMPLE_DATE = date(2000, 1, 1)
_SAMPLE_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


class JsonText(str):
    """A JSON document already encoded (json.dumps, as Django encodes a JSONField without an
    encoder): a JSON column takes it as it is. Lets the checking workers of a large import
    encode what they prepare, and a batch encode a value it repeats once."""


def _adapter(field: models.Field, *, copy: bool = False) -> Adapter | None:
    if isinstance(field, EncryptedCharField):
        return None  # the caller passes ciphertext
    kind = field.get_internal_type()
    ops = connection.ops
    if kind in ("DateField", "DateTimeField"):
        adapt = (ops.adapt_datefield_value if kind == "DateField"
                 else ops.adapt_datetimefield_value)
        # PostgreSQL's adapters hand dates to the driver as they are: no call per value then.
        sample = _SAMPLE_DATE if kind == "DateField" else _SAMPLE_MOMENT
        return None if adapt(sample) is sample else adapt
    if kind == "JSONField":
        encoder = getattr(field, "encoder", None)
        as_text = copy or connection.vendor == "sqlite"  # `connection` is a lookup per use

        def adapt_json(value: Any) -> Any:
            if value is None:
                return None
            if as_text:
                # JSON text: what SQLite stores, and what COPY's text format hands PostgreSQL
                # to parse. Encoded here, a value the batch repeats is encoded once
                # (TableWriter._adapted), not again by the driver for every row.
                return value if type(value) is JsonText else JsonText(json.dumps(value,
                                                                                cls=encoder))
            return ops.adapt_json_value(json.loads(value) if type(value) is JsonText else value,
                                        encoder)

        return adapt_json
    return None


class TableWriter:
    """Insert or update rows of one model's table, each row a tuple in `fields` order."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        self.table = connection.ops.quote_name(meta.db_table)
        found = [meta.get_field(name) for name in fields]
        self.columns = [connection.ops.quote_name(f.column) for f in found]
        self.adapters = [(i, a) for i, f in enumerate(found) if (a := _adapter(f)) is not None]
        self.copy_adapters = [(i, a) for i, f in enumerate(found)
                              if (a := _adapter(f, copy=True)) is not None]
        self.pk_column = connection.ops.quote_name(meta.pk.column)

    def _adapted(self, rows: Iterable[Sequence[Any]], *, copy: bool = False
                 ) -> Iterable[Sequence[Any]]:
        adapters = self.copy_adapters if copy else self.adapters
        if not adapters:
            yield from rows
            return
        # A batch repeats the same object in a column (its timestamp, None): adapt it once.
        last: list[tuple[Any, Any]] = [(_UNSET, None)] * len(adapters)
        for row in rows:
            values = list(row)
            for slot, (index, adapt) in enumerate(adapters):
                value = values[index]
                seen, adapted = last[slot]
                if value is not seen:
                    adapted = adapt(value)
                    last[slot] = (value, adapted)
                values[index] = adapted
            yield values

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        columns = ", ".join(self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for values in self._adapted(rows, copy=True):
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {self.table} ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, list(self._adapted(rows)))

    def update(self, rows: Sequence[Sequence[Any]]) -> None:
        """Each row: the values of `fields`, then the primary key."""
        if not rows:
            return
        assignments = ", ".join(f"{column} = %s" for column in self.columns)
        sql = f"UPDATE {self.table} SET {assignments} WHERE {self.pk_column} = %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, list(self._adapted(rows)))


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys for rows about to be inserted with explicit ids, so that rows
    referring to each other (a household and its head) are written once, in one pass.

    PostgreSQL draws them from the column's sequence (safe with concurrent writers). SQLite
    runs with ``transaction_mode = IMMEDIATE`` (settings.py): the write lock is held from the
    start of the transaction, so no one else inserts between this read and our insert.
    """
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                           "FROM generate_series(1, %s)", [meta.db_table, meta.pk.column, count])
            return [row[0] for row in cursor.fetchall()]
        table = connection.ops.quote_name(meta.db_table)
        pk = connection.ops.quote_name(meta.pk.column)
        cursor.execute(f"SELECT MAX({pk}) FROM {table}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        # AUTOINCREMENT never reuses an id, even a deleted one: start above its counter too.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
        counter = cursor.fetchone()
        start = max(highest, counter[0] if counter else 0) + 1
    return list(range(start, start + count))


@contextmanager
def large_write_cache(mebibytes: int = 256) -> Iterator[None]:
    """A bigger SQLite page cache for the length of a large import, then the previous size.

    The registry's blind indexes are random keys: past a few thousand persons, inserting into
    them misses SQLite's default 2 MB cache on almost every row (bench/registry.py: person and
    history inserts of 100,000 rows took about 40 % less CPU with 200 MB). The cache only
    grows as pages are read. PostgreSQL has its own shared buffers: nothing to do there.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * int(mebibytes)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
