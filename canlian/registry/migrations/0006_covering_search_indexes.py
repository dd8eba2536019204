"""PostgreSQL-only: the prefix-search indexes of migration 0003 also carry the columns a list
page is sorted by (region, initials, id).

A page of search results first selects its 50 ids (selectors.PersonResults); with these
columns in the index that is an index-only scan, so a common name or pinyin prefix no longer
reads every matching row from the table to sort them (bench/registry.py at 1,000,000 persons:
"zs" matches about 7,000). The count of the same search is index-only too. Nothing on SQLite,
as in 0003.
"""

from __future__ import annotations

from django.db import migrations

from canlian.core.dbvendor import on_postgresql

FORWARD = [
    "DROP INDEX IF EXISTS registry_person_name_prefix",
    "CREATE INDEX registry_person_name_prefix ON registry_person "
    "(name varchar_pattern_ops) INCLUDE (region_id, name_initials, id)",
    "DROP INDEX IF EXISTS registry_person_initials_prefix",
    "CREATE INDEX registry_person_initials_prefix ON registry_person "
    "(name_initials varchar_pattern_ops) INCLUDE (region_id, id)",
]
REVERSE = [
    "DROP INDEX IF EXISTS registry_person_name_prefix",
    "CREATE INDEX registry_person_name_prefix ON registry_person (name varchar_pattern_ops)",
    "DROP INDEX IF EXISTS registry_person_initials_prefix",
    "CREATE INDEX registry_person_initials_prefix "
    "ON registry_person (name_initials varchar_pattern_ops) INCLUDE (region_id)",
]


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_blind_indexes_without_pattern_twins")]
    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(REVERSE))]
