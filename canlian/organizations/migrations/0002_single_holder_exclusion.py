"""On PostgreSQL, the database itself refuses two overlapping terms of a single-holder post
(主席, 理事长, 秘书长, 负责人) in one unit: an exclusion constraint over the term as a date range.

The service checks the same rule first (under a lock on the unit row) and explains it in
Chinese; this constraint is the backstop for any other writer. SQLite (the embedded engine)
relies on the service alone.
"""

from __future__ import annotations

from django.db import migrations

from canlian.core.dbvendor import on_postgresql

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist;",
    """ALTER TABLE organizations_postholding
       ADD CONSTRAINT post_holding_single_holder_no_overlap
       EXCLUDE USING gist (unit_id WITH =, post WITH =,
                           daterange(started_on, ended_on, '[]') WITH &&)
       WHERE (post IN ('chair', 'executive_chair', 'secretary_general', 'head'));""",
]
REVERSE = [
    """ALTER TABLE organizations_postholding
       DROP CONSTRAINT IF EXISTS post_holding_single_holder_no_overlap;""",
]


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(REVERSE))]
