"""Backup and restore (issue 17 item 13; docs/operations.md “备份与恢复”), beyond
test_backups.py: a restore onto a new server's database without a single table; refusals that
change nothing (the database in use without --force, the index key, the other engine, a damaged
file); --force; and the row-count check against the manifest after restoring.

Runs on the configured engine: SQLite in the normal pass (online backup API), PostgreSQL in the
PostgreSQL pass (pg_dump / pg_restore)."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from canlian.core.backups import DATA_TABLES, FORMAT, row_counts
from canlian.core.models import User
from canlian.registry.models import Person
from canlian.registry.services import person_save
from canlian.registry.tests.factories import make_id_number
from canlian.registry.tests.helpers import parsed, row

# Flushed after each test; serialized_rollback brings back the migrated data (regions).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OTHER_SM4_KEY = "ffeeddccbbaa99887766554433221100"
OTHER_INDEX_KEY = "a" * 64


def _counts() -> dict[str, int]:
    return row_counts()


def _empty_database() -> None:
    """What a new server has before `restore`: a database without a single table."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        blank = sqlite3.connect(":memory:")
        blank.backup(connection.connection)
        blank.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    assert _counts() == {}


def _register(personas: dict[str, User], regions: dict[str, str], name: str,
              born: date) -> tuple[Person, str]:
    id_number = make_id_number(born)
    person = person_save(actor=personas["county_staff"], row=parsed([row(
        name, id_number, regions["village_a"], category="肢体", grade="二级")])[0])
    return person, id_number


def _backup(path: Path) -> dict[str, Any]:
    call_command("backup", str(path), stdout=io.StringIO())
    with tarfile.open(path) as archive:
        member = archive.extractfile("manifest.json")
        assert member is not None
        return json.loads(member.read())


def _restore(path: Path, *flags: str) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *flags, stdout=out)
    return out.getvalue()


def test_backup_then_restore_into_an_empty_database_gives_back_every_row_and_the_id_number(
    personas: dict[str, User], regions: dict[str, str], tmp_path: Path,
    audit_flush_allowed: None, settings: Any,
) -> None:
    person, id_number = _register(personas, regions, "王大山", date(1960, 5, 1))
    before = _counts()
    assert before["registry_person"] == 1 and before["core_auditevent"] >= 1
    manifest = _backup(tmp_path / "canlian.tar")

    assert manifest["format"] == FORMAT and manifest["vendor"] == connection.vendor
    assert manifest["rows"] == before
    assert "registry.0001_initial" in manifest["migrations"]
    assert manifest["version"] and manifest["created_at"]
    text = json.dumps(manifest)
    assert settings.FIELD_ENCRYPTION_KEY not in text and settings.BLIND_INDEX_KEY not in text
    assert (tmp_path / "canlian.tar").stat().st_mode & 0o077 == 0  # owner only

    _empty_database()
    out = _restore(tmp_path / "canlian.tar")

    assert "各表行数与备份清单一致" in out
    assert _counts() == before
    assert Person.objects.get(pk=person.pk).id_number == id_number  # decrypts with our key
    assert Person.objects.filter(id_number_index=person.id_number_index).count() == 1


def test_restore_refuses_other_keys_another_engine_and_a_database_in_use_changing_nothing(
    personas: dict[str, User], regions: dict[str, str], tmp_path: Path,
    audit_flush_allowed: None, settings: Any,
) -> None:
    _register(personas, regions, "王大山", date(1960, 5, 1))
    backup = tmp_path / "canlian.tar"
    _backup(backup)
    later, _ = _register(personas, regions, "李小河", date(1990, 7, 7))
    in_use = _counts()
    sm4_key, index_key = settings.FIELD_ENCRYPTION_KEY, settings.BLIND_INDEX_KEY

    with pytest.raises(CommandError, match=r"已有账户数据.*未做任何改动.*--force"):
        _restore(backup)
    settings.FIELD_ENCRYPTION_KEY = OTHER_SM4_KEY
    with pytest.raises(CommandError, match="密钥与当前配置的不同（sm4）"):
        _restore(backup, "--force")
    settings.FIELD_ENCRYPTION_KEY, settings.BLIND_INDEX_KEY = sm4_key, OTHER_INDEX_KEY
    with pytest.raises(CommandError, match="密钥与当前配置的不同（blind_index）"):
        _restore(backup, "--force")
    settings.BLIND_INDEX_KEY = index_key
    other_engine = tmp_path / "other-engine.tar"
    _rewrite_manifest(backup, other_engine, vendor="postgresql" if connection.vendor == "sqlite"
                      else "sqlite")
    with pytest.raises(CommandError, match="不能直接恢复"):
        _restore(other_engine, "--force")
    assert _counts() == in_use

    _restore(backup, "--force")  # replaces the data in use with the backup's
    assert not Person.objects.filter(pk=later.pk).exists()
    assert _counts()["registry_person"] == 1


def test_restore_refuses_a_damaged_file_changing_nothing(
    personas: dict[str, User], tmp_path: Path, audit_flush_allowed: None,
) -> None:
    backup = tmp_path / "canlian.tar"
    _backup(backup)
    damaged = tmp_path / "damaged.tar"
    _rewrite_manifest(backup, damaged, dump_sha256="0" * 64)
    _empty_database()
    with pytest.raises(CommandError, match="备份文件已损坏"):
        _restore(damaged)
    assert _counts() == {}
    _restore(backup)  # the database is usable again for the flush that ends the test
    assert set(DATA_TABLES) <= set(_counts())


def test_restore_checks_every_row_count_against_the_manifest(
    personas: dict[str, User], tmp_path: Path, audit_flush_allowed: None,
) -> None:
    backup = tmp_path / "canlian.tar"
    manifest = _backup(backup)
    claims_more = tmp_path / "claims-more.tar"
    _rewrite_manifest(backup, claims_more,
                      rows={"core_user": manifest["rows"]["core_user"] + 1})
    _empty_database()
    with pytest.raises(CommandError, match=r"行数与备份清单不一致.*core_user 应为 \d+ 行、实为"):
        _restore(claims_more)


def _rewrite_manifest(source: Path, target: Path, *, vendor: str = "", dump_sha256: str = "",
                      rows: dict[str, int] | None = None) -> None:
    rows = rows or {}
    with tarfile.open(source) as archive, tarfile.open(target, "w") as out:
        for member in archive.getmembers():
            handle = archive.extractfile(member)
            assert handle is not None
            body = handle.read()
            if member.name == "manifest.json":
                manifest = json.loads(body)
                manifest["vendor"] = vendor or manifest["vendor"]
                manifest["dump"]["sha256"] = dump_sha256 or manifest["dump"]["sha256"]
                manifest["rows"].update(rows)
                body = json.dumps(manifest).encode()
                member.size = len(body)
            out.addfile(member, io.BytesIO(body))
