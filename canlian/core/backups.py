"""Backup and restore of the whole database with a manifest (issue 17 §13).

A backup is one tar file: `manifest.json` and the database — `database.sqlite3` made with
SQLite's online backup API (consistent while the site runs), or `database.dump` from
`pg_dump --format=custom`. The manifest holds the format, when and from which version, the
vendor, the applied migrations, the row count of every table and fingerprints of the keys
(SHA-256 of a label and the key, first 16 hex digits): enough to tell whether the configured
keys are the ones the data was encrypted with, never the keys. Restore refuses a backup whose
fingerprints differ from the configured keys (the ID and phone numbers would be unreadable and
unsearchable), one from the other vendor, a file whose database part does not match its
checksum, and a database that already holds data unless forced; after restoring it checks every
table's row count against the manifest.

The migrations and row counts describe the snapshot itself, not the live database a moment
later: on SQLite they are read from the copy; on PostgreSQL from the snapshot that a REPEATABLE
READ transaction exports to pg_dump (`--snapshot`), so a site that keeps writing during the
backup cannot make the manifest disagree with the dump.
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
from django.db import connection, transaction
from django.utils import timezone

FORMAT = "canlian-backup/1"
KEYS = {"sm4": "FIELD_ENCRYPTION_KEY", "blind_index": "BLIND_INDEX_KEY"}
# Tables people fill: rows here mean the database is in use (restore then needs --force).
DATA_TABLES = {"core_user": "账户", "core_auditevent": "审计日志", "registry_person": "人员"}
_CHUNK = 1 << 20


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


def _migrations(cursor: Any) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _sqlite_copy_state(database: Path) -> tuple[list[str], dict[str, int]]:
    """Migrations and row counts read from the copy, with the tables Django's introspection
    lists (every table but sqlite_sequence), so they compare with row_counts() after a restore."""
    copy = sqlite3.connect(database)
    try:
        cursor = copy.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                       "AND name != 'sqlite_sequence' ORDER BY name")
        counts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - from the catalogue
            counts[table] = cursor.fetchone()[0]
        return _migrations(cursor), dict(sorted(counts.items()))
    finally:
        copy.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def manifest(*, migrations: list[str], rows: dict[str, int]) -> dict[str, Any]:
    return {"format": FORMAT, "created_at": timezone.now().isoformat(),
            "version": _version(), "vendor": connection.vendor,
            "migrations": migrations, "keys": key_fingerprints(), "rows": rows}


def backup_write(path: Path) -> dict[str, Any]:
    """Write the backup file; returns its manifest."""
    with tempfile.TemporaryDirectory() as folder:
        if connection.vendor == "sqlite":
            database = Path(folder) / "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(database)
            try:
                # One step (pages=-1): a consistent snapshot; in WAL mode writers go on.
                connection.connection.backup(target)
            finally:
                target.close()
            migrations, rows = _sqlite_copy_state(database)
        elif connection.vendor == "postgresql":
            database = Path(folder) / "database.dump"
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                migrations, rows = _migrations(cursor), row_counts()
                _pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                    f"--snapshot={snapshot}", f"--file={database}")
        else:
            raise BackupError(f"不支持的数据库：{connection.vendor}")
        info = manifest(migrations=migrations, rows=rows)
        info["dump"] = {"name": database.name, "bytes": database.stat().st_size,
                        "sha256": _sha256(database)}
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(info, ensure_ascii=False, indent=2).encode()
            entry = tarfile.TarInfo("manifest.json")
            entry.size, entry.mtime = len(data), int(timezone.now().timestamp())
            archive.addfile(entry, io.BytesIO(data))
            archive.add(database, arcname=database.name)
        partial.chmod(0o600)  # names, addresses and the audit log are in it
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


def _data_rows() -> dict[str, int]:
    present = set(_tables())
    with connection.cursor() as cursor:
        rows = {}
        for table in DATA_TABLES:
            if table in present:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
                rows[table] = cursor.fetchone()[0]
    return rows


def restore_check(info: dict[str, Any], *, force: bool = False) -> None:
    if info["keys"] != key_fingerprints():
        differ = "、".join(name for name, print_ in key_fingerprints().items()
                          if info["keys"].get(name) != print_)
        raise BackupError(
            f"备份时使用的密钥与当前配置的不同（{differ}）：恢复后身份证号、电话将无法解密或检索，"
            "已拒绝恢复。请配置备份时的 CANLIAN_SM4_KEY 与 CANLIAN_INDEX_KEY 后重试。")
    if info["vendor"] != connection.vendor:
        raise BackupError(f"备份来自 {info['vendor']} 数据库，当前是 {connection.vendor}，"
                          "不能直接恢复。")
    used = {table: n for table, n in _data_rows().items() if n}
    if used and not force:
        what = "、".join(f"{DATA_TABLES[table]} {n} 条" for table, n in used.items())
        raise BackupError(
            f"当前数据库中已有{'账户' if 'core_user' in used else ''}数据（{what}），"
            "未做任何改动：恢复只写入空数据库。请新建空库再恢复；确认要用备份覆盖现有全部数据时，"
            "加 --force 重新执行。")


def backup_restore(path: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore into the configured database (empty, or any with `force`), then check every
    table's row count against the manifest; returns the backup's manifest."""
    info = backup_manifest(path)
    restore_check(info, force=force)
    with tempfile.TemporaryDirectory() as folder, tarfile.open(path) as archive:
        name = "database.sqlite3" if connection.vendor == "sqlite" else "database.dump"
        try:
            archive.extract(name, folder, filter="data")
        except (KeyError, tarfile.TarError) as exc:
            raise BackupError("备份文件中缺少数据库部分，文件可能已损坏。") from exc
        database = Path(folder) / name
        expected = (info.get("dump") or {}).get("sha256")
        if expected and _sha256(database) != expected:
            raise BackupError("备份文件已损坏（数据库部分的校验值与清单不符），未做任何改动。")
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
    counts = row_counts()
    differ = [f"{table} 应为 {n} 行、实为 {counts.get(table, '（缺表）')} 行"
              for table, n in sorted(info["rows"].items()) if counts.get(table) != n]
    if differ:
        raise BackupError("已恢复，但行数与备份清单不一致，请勿启用网站并检查备份文件："
                          + "；".join(differ[:10]))
    return info


def _pg_dbname() -> str:
    return str(connection.settings_dict["NAME"])


def _pg(program: str, *args: str, dbname: bool = True) -> None:
    binary = _pg_tool(program)
    db = connection.settings_dict
    env = {**os.environ, "PGHOST": str(db.get("HOST") or ""), "PGPORT": str(db.get("PORT") or ""),
           "PGUSER": str(db.get("USER") or ""), "PGPASSWORD": str(db.get("PASSWORD") or "")}
    command = [binary, *args, *([_pg_dbname()] if dbname else [])]
    # The PostgreSQL client tools, found on PATH, with the configured connection settings.
    done = subprocess.run(command, capture_output=True, text=True, env=env,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        raise BackupError(f"{program} 失败：{done.stderr.strip()[-500:]}")


def _pg_tool(name: str) -> str:
    """A PostgreSQL client tool found as scripts/pg_up.sh finds the server: $PGBIN, the
    directory `initdb` on PATH links to, then PATH, then /usr/lib/postgresql/<newest>/bin."""
    candidates = []
    if os.environ.get("PGBIN"):
        candidates.append(Path(os.environ["PGBIN"]) / name)
    if initdb := shutil.which("initdb"):
        candidates.append(Path(os.path.realpath(initdb)).parent / name)
    if found := shutil.which(name):
        candidates.append(Path(found))
    candidates += [folder / name for folder in sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具，或用环境变量 PGBIN 指向其"
                      " bin 目录。")
