"""PostgreSQL-only: finer planner statistics for the two columns the search box matches by
prefix (name, name_initials).

A page of search results is sorted by region first, so for a prefix the planner either walks
the region index until it has 50 matches or reads the matches from the prefix index and sorts
them. With the default 100 histogram buckets (10,000 persons each at 1,000,000) it guessed
about 10,000 matches for a two-character name that has 131, chose the walk and read most of
the county: 600 ms for 朱花 (bench/registry.py, 1,000,000 persons). With 1,000 buckets the
guess is close and the worst of 300 random two-character names is 22 ms. ANALYZE of the table
samples 300,000 rows instead of 30,000 (about 8 s at 1,000,000 persons, in autovacuum).
Nothing on SQLite, which has no such statistics unless ANALYZE is run by hand.
"""

from __future__ import annotations

from django.db import migrations

from canlian.core.dbvendor import on_postgresql

FORWARD = [
    "ALTER TABLE registry_person ALTER COLUMN name SET STATISTICS 1000",
    "ALTER TABLE registry_person ALTER COLUMN name_initials SET STATISTICS 1000",
]
REVERSE = [
    "ALTER TABLE registry_person ALTER COLUMN name SET STATISTICS -1",
    "ALTER TABLE registry_person ALTER COLUMN name_initials SET STATISTICS -1",
]


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_lean_write_indexes")]
    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(REVERSE))]
