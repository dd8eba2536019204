"""SQLite triggers that make the audit log append-only for every client, as migration 0003
does on PostgreSQL (等保 安全审计, DOMAIN.md §7.1).

SQLite has no session settings, so the sanctioned purge switch is a row in the one-column table
``canlian_audit_purge``, inserted and deleted inside the purge's own transaction
(docs/operations.md). Other clients never see the row: SQLite has one writer at a time and
readers see committed data only.

SQLite drops a table's triggers with the table; Django rebuilds a table on SQLite for some
schema changes, so a later migration that rebuilds ``core_auditevent`` must recreate these
(canlian/core/tests/test_audit.py fails if the triggers are gone).
"""

from __future__ import annotations

from django.db import migrations

from canlian.core.dbvendor import on_sqlite

_GUARD = """CREATE TRIGGER core_auditevent_no_{event} BEFORE {verb} ON core_auditevent
   WHEN NOT EXISTS (SELECT 1 FROM canlian_audit_purge)
   BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only'); END;"""

FORWARD = [
    "CREATE TABLE IF NOT EXISTS canlian_audit_purge (enabled integer NOT NULL)",
    _GUARD.format(event="update", verb="UPDATE"),
    _GUARD.format(event="delete", verb="DELETE"),
]
REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TABLE IF EXISTS canlian_audit_purge",
]


class Migration(migrations.Migration):
    dependencies = [("core", "0010_totp_second_factor")]
    operations = [migrations.RunPython(on_sqlite(FORWARD), on_sqlite(REVERSE))]
