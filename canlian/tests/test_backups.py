"""manage.py backup / restore (issue 17 §13), on the database the suite runs on (SQLite, and
PostgreSQL in its pass): backup → empty → restore gives the same row counts and the same
decrypted ID numbers; a restore with other keys is refused."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from canlian.core import audit
from canlian.core.backups import row_counts
from canlian.core.models import AuditAction, AuditEvent, User
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_person


def _empty_the_database() -> None:
    """As a DBA would, through the audit log's sanctioned purge switch (core 0003 / 0011)."""
    switch_on, switch_off = (
        ("SET canlian.audit_purge = 'on'", "RESET canlian.audit_purge")
        if connection.vendor == "postgresql" else
        ("INSERT INTO canlian_audit_purge (enabled) VALUES (1)",
         "DELETE FROM canlian_audit_purge"))
    with connection.cursor() as cursor:
        cursor.execute(switch_on)
    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(switch_off)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_empty_restore_gives_the_same_rows_and_readable_id_numbers(
        tmp_path: Path, personas: dict[str, User], regions: dict[str, str],
        audit_flush_allowed: None) -> None:
    person = make_person(region_code=regions["village_a"], name="备份甲")
    id_number = person.id_number
    audit.audit_record(actor=personas["county_staff"], action=AuditAction.REVEAL, obj=person,
                       summary="备份前的审计记录")
    path = tmp_path / "canlian.backup"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "密钥未写入备份" in out.getvalue()

    with tarfile.open(path) as archive:
        assert sorted(archive.getnames()) == sorted(
            ["manifest.json", "database.sqlite3" if connection.vendor == "sqlite"
             else "database.dump"])
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    from django.conf import settings

    text = json.dumps(manifest)
    assert settings.FIELD_ENCRYPTION_KEY not in text and settings.BLIND_INDEX_KEY not in text
    assert set(manifest["keys"]) == {"sm4", "blind_index"}
    assert "core.0001_initial" in manifest["migrations"]
    assert manifest["rows"]["registry_person"] == 1 and manifest["vendor"] == connection.vendor
    before = row_counts()

    _empty_the_database()
    assert not Person.objects.exists() and not User.objects.exists()

    call_command("restore", str(path), stdout=io.StringIO())
    assert row_counts() == before == manifest["rows"]
    assert Person.objects.get(pk=person.pk).id_number == id_number
    assert AuditEvent.objects.filter(summary="备份前的审计记录").count() == 1
    # The restored audit log is still append-only at the database (core 0003 / 0011).
    with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
          connection.cursor() as cursor):
        cursor.execute("DELETE FROM core_auditevent")

    # A database that holds accounts is not overwritten.
    with pytest.raises(CommandError, match="已有账户数据"):
        call_command("restore", str(path), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_with_other_keys_is_refused(tmp_path: Path, personas: dict[str, User],
                                            audit_flush_allowed: None) -> None:
    path = tmp_path / "canlian.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    _empty_the_database()
    with override_settings(FIELD_ENCRYPTION_KEY="ffeeddccbbaa99887766554433221100"), \
            pytest.raises(CommandError, match="密钥与当前配置的不同（sm4）"):
        call_command("restore", str(path), stdout=io.StringIO())
    assert not User.objects.exists()  # nothing was restored
