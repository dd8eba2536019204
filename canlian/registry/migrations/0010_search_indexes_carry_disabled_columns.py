"""PostgreSQL-only: the prefix-search indexes of migration 0006 also carry `category` and
`certificate_status`, the columns of the disabled-person condition (registry.models
disabled_condition) that every registry list now applies (issue 16 §6).

Without them, selecting a page's ids and counting a search would read each matching row from
the table to test the condition, and the search would no longer be an index-only scan.
Nothing on SQLite, as in 0003 and 0006.
"""

from __future__ import annotations

from django.db import migrations

from canlian.core.dbvendor import on_postgresql

FORWARD = [
    "DROP INDEX IF EXISTS registry_person_name_prefix",
    "CREATE INDEX registry_person_name_prefix ON registry_person "
    "(name varchar_pattern_ops) INCLUDE (region_id, name_initials, id, category, "
    "certificate_status)",
    "DROP INDEX IF EXISTS registry_person_initials_prefix",
    "CREATE INDEX registry_person_initials_prefix ON registry_person "
    "(name_initials varchar_pattern_ops) INCLUDE (region_id, id, category, certificate_status)",
]
REVERSE = [
    "DROP INDEX IF EXISTS registry_person_name_prefix",
    "CREATE INDEX registry_person_name_prefix ON registry_person "
    "(name varchar_pattern_ops) INCLUDE (region_id, name_initials, id)",
    "DROP INDEX IF EXISTS registry_person_initials_prefix",
    "CREATE INDEX registry_person_initials_prefix ON registry_person "
    "(name_initials varchar_pattern_ops) INCLUDE (region_id, id)",
]


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_guardian_link")]
    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(REVERSE))]
