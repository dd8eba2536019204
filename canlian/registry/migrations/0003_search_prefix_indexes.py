"""PostgreSQL-only indexes for prefix search by name and by pinyin initials.

`LIKE 'x%'` can use a B-tree only with a pattern operator class when the collation is not C;
measured at 1,000,000 persons (bench/registry.py), they take name and initials search from a
full scan (~250 ms) to a few milliseconds. SQLite never uses an index for Django's
`LIKE … ESCAPE`, so nothing is created there.
"""

from __future__ import annotations

from django.db import migrations

from canlian.core.dbvendor import on_postgresql

FORWARD = [
    "CREATE INDEX IF NOT EXISTS registry_person_name_prefix "
    "ON registry_person (name varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS registry_person_initials_prefix "
    "ON registry_person (name_initials varchar_pattern_ops) INCLUDE (region_id)",
]
REVERSE = [
    "DROP INDEX IF EXISTS registry_person_name_prefix",
    "DROP INDEX IF EXISTS registry_person_initials_prefix",
]


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_person_change_request")]
    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(REVERSE))]
