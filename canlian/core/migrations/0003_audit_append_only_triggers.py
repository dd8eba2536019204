"""PostgreSQL triggers that make the audit log append-only for every client, not just our ORM.

等保 安全审计 (DOMAIN.md §7.1): audit records are protected against deletion and modification.
Production runs on PostgreSQL; the embedded SQLite engine (demo, single machine) relies on the
ORM guards in AuditEvent and AppendOnlyQuerySet. The one sanctioned way round the trigger is a
retention purge by the DBA, who must say so explicitly in the session:
``SET canlian.audit_purge = 'on'`` (docs/operations.md).
"""

from __future__ import annotations

from django.db import migrations

from canlian.core.dbvendor import on_postgresql

FORWARD = [
    """CREATE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
       BEGIN
         IF current_setting('canlian.audit_purge', true) = 'on' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'core_auditevent is append-only';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_auditevent_no_change BEFORE UPDATE OR DELETE ON core_auditevent
       FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();""",
    """CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only();""",
]
REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;",
    "DROP TRIGGER IF EXISTS core_auditevent_no_change ON core_auditevent;",
    "DROP FUNCTION IF EXISTS core_auditevent_append_only();",
]


class Migration(migrations.Migration):
    dependencies = [("core", "0002_load_shipped_regions")]
    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(REVERSE))]
