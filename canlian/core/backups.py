"""Backup and restore of the whole database with a manifest (issue 17 §13).

A backup is one tar file: `manifest.json` and the database — `database.sqlite3` made with
SQLite's online backup API (consistent while the site runs), or `database.dump` from
`pg_dump --format=custom`. The manifest holds the format, when and from which version, the
vendor, the applied migrations, the row count of every table and fingerprints of the keys
(SHA-256 of a label and the key, first 16 hex digits): enough to tell whether the configured
keys are the ones the data was encrypted with, never the keys. Restore refuses a backup whose
fingerprints differ from the configured keys (the ID and phone numbers would be unreadable and
unsearchable), one from the other vendor, and a database that already holds accounts.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

FORMAT = "canlian-backup/1"
KEYS = {"sm4": "FIELD_ENCRYPTION_KEY", "blind_index": "BLIND_INDEX_KEY"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; `message` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def key_fingerprints() -> dict[str, str]:
    return {name: hashlib.sha256(f"canlian-key:{name}:{getattr(settings, setting)}".encode())
            .hexdigest()[:16] for name, setting in KEYS.items()}


def _version() -> str:
    """The project's version (pyproject.toml) and, in a checkout, its commit."""
    root = Path(settings.BASE_DIR)
    version = ""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        for line in pyproject.read_text(encoding="utf-8").splitlines():
            if line.startswith("version = "):
                version = line.split("=", 1)[1].strip().strip('"')
                break
    head = root / ".git"
    if head.is_file():  # a worktree: "gitdir: …"
        head = Path(head.read_text(encoding="utf-8").split(":", 1)[1].strip())
    ref_file = head / "HEAD"
    if ref_file.is_file():
        ref = ref_file.read_text(encoding="utf-8").strip()
        if ref.startswith("ref: "):
            target = head / ref[5:]
            common = head / "commondir"
            if not target.is_file() and common.is_file():
                target = (head / common.read_text(encoding="utf-8").strip()) / ref[5:]
            ref = target.read_text(encoding="utf-8").strip() if target.is_file() else ""
        version += f"+{ref[:12]}" if ref else ""
    return version


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def row_counts() -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in _tables():
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - introspected
            counts[table] = cursor.fetchone()[0]
    return counts


def _migrations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def manifest() -> dict[str, Any]:
    return {"format": FORMAT, "created_at": timezone.now().isoformat(),
            "version": _version(), "vendor": connection.vendor,
            "migrations": _migrations(), "keys": key_fingerprints(), "rows": row_counts()}


def backup_write(path: Path) -> dict[str, Any]:
    """Write the backup file; returns its manifest."""
    with tempfile.TemporaryDirectory() as folder:
        if connection.vendor == "sqlite":
            database = Path(folder) / "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(database)
            try:
                connection.connection.backup(target)  # online: pages copied while others write
            finally:
                target.close()
        elif connection.vendor == "postgresql":
            database = Path(folder) / "database.dump"
            _pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                f"--file={database}")
        else:
            raise BackupError(f"不支持的数据库：{connection.vendor}")
        info = manifest()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(info, ensure_ascii=False, indent=2).encode()
            entry = tarfile.TarInfo("manifest.json")
            entry.size, entry.mtime = len(data), int(timezone.now().timestamp())
            archive.addfile(entry, io.BytesIO(data))
            archive.add(database, arcname=database.name)
        os.replace(partial, path)  # never a half-written backup under the final name
    return info


def backup_manifest(path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(path) as archive:
            member = archive.extractfile("manifest.json")
            info: dict[str, Any] = json.load(member) if member else {}
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError("无法读取备份文件（不是本系统的备份，或已损坏）。") from exc
    if info.get("format") != FORMAT:
        raise BackupError("无法读取备份文件（不是本系统的备份，或已损坏）。")
    return info


def restore_check(info: dict[str, Any]) -> None:
    if info["keys"] != key_fingerprints():
        differ = "、".join(name for name, print_ in key_fingerprints().items()
                          if info["keys"].get(name) != print_)
        raise BackupError(
            f"备份时使用的密钥与当前配置的不同（{differ}）：恢复后身份证号、电话将无法解密或检索，"
            "已拒绝恢复。请配置备份时的 CANLIAN_SM4_KEY 与 CANLIAN_INDEX_KEY 后重试。")
    if info["vendor"] != connection.vendor:
        raise BackupError(f"备份来自 {info['vendor']} 数据库，当前是 {connection.vendor}，"
                          "不能直接恢复。")
    tables = set(_tables())
    if "core_user" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM core_user")
            if cursor.fetchone()[0]:
                raise BackupError("当前数据库中已有账户数据：恢复只写入空数据库。请新建空库"
                                  "（或清空后）再恢复。")


def backup_restore(path: Path) -> dict[str, Any]:
    """Restore into the configured (empty) database; returns the backup's manifest."""
    info = backup_manifest(path)
    restore_check(info)
    with tempfile.TemporaryDirectory() as folder, tarfile.open(path) as archive:
        name = "database.sqlite3" if connection.vendor == "sqlite" else "database.dump"
        try:
            archive.extract(name, folder, filter="data")
        except (KeyError, tarfile.TarError) as exc:
            raise BackupError("备份文件中缺少数据库部分，文件可能已损坏。") from exc
        database = Path(folder) / name
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(database)
            try:
                source.backup(connection.connection)  # replaces every page of the live file
            finally:
                source.close()
        else:
            _pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                "--exit-on-error", "--single-transaction", f"--dbname={_pg_dbname()}",
                str(database), dbname=False)
    connection.close()
    return info


def _pg_dbname() -> str:
    return str(connection.settings_dict["NAME"])


def _pg(program: str, *args: str, dbname: bool = True) -> None:
    binary = shutil.which(program)
    if binary is None:
        raise BackupError(f"找不到 {program}：请安装 PostgreSQL 客户端工具。")
    db = connection.settings_dict
    env = {**os.environ, "PGHOST": str(db.get("HOST") or ""), "PGPORT": str(db.get("PORT") or ""),
           "PGUSER": str(db.get("USER") or ""), "PGPASSWORD": str(db.get("PASSWORD") or "")}
    command = [binary, *args, *([_pg_dbname()] if dbname else [])]
    # The PostgreSQL client tools, found on PATH, with the configured connection settings.
    done = subprocess.run(command, capture_output=True, text=True, env=env,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        raise BackupError(f"{program} 失败：{done.stderr.strip()[-500:]}")
