"""Import of post holders from an XLSX or CSV file (issue #4 §6).

Headers are matched by their text in any order. Every row goes through the same services as
the pages (unit_create, member_create/member_update, holding_create/holding_end) inside one
transaction, so a file obeys exactly the rules a form does, and a row may rely on an earlier
one (a chair whose term ends, then the next chair). Any error, or a preview, rolls the whole
file back: all or nothing. A member is the same person when name and phone match, a term the
same term when unit, member, post and start date match, so re-importing a file changes
nothing.

Township federations and village associations missing from the system are founded by the
import (one per region, named after it); other units must exist first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, Region, User
from canlian.core.tables import TableLimits
from canlian.core.tables import read_table as read_core_table
from canlian.organizations import services
from canlian.organizations.models import Member, OrgUnit, Post, PostHolding, UnitKind
from canlian.organizations.permissions import can_write_in

MAX_BYTES = 5 * 1024 * 1024
TABLE_LIMITS = TableLimits(label="组织成员导入", max_bytes=MAX_BYTES, max_rows=20_000,
                           max_columns=64, max_unpacked_bytes=256 * 1024 * 1024)

UNIT_REGION, UNIT_KIND, UNIT_NAME = "组织区划代码", "组织类型", "组织名称"
POST, NAME, PHONE, MEMBER_REGION = "职务", "姓名", "联系电话", "人员所在区划代码"
STARTED_ON, ENDED_ON = "任职起始日期", "任职终止日期"
FLAG_COLUMNS = {"是否残疾人": "is_disabled", "是否残疾人亲友": "is_relative",
                "是否自强模范": "is_role_model", "是否基层一线": "is_grassroots",
                "是否农村": "is_rural", "是否助残志愿者": "is_volunteer"}
REQUIRED = (UNIT_REGION, UNIT_KIND, POST, NAME, PHONE, STARTED_ON)
COLUMNS = (*REQUIRED, UNIT_NAME, MEMBER_REGION, ENDED_ON, *FLAG_COLUMNS)
FIELD_COLUMN = {"unit": UNIT_REGION, "kind": UNIT_KIND, "member": NAME, "name": NAME,
                "post": POST, "started_on": STARTED_ON, "ended_on": ENDED_ON,
                "region": MEMBER_REGION, "phone": PHONE, "special_kind": UNIT_KIND}
KIND_NAMES = {**{label: value for value, label in UnitKind.choices},
              **{value: value for value in UnitKind.values},
              "乡镇残联": UnitKind.TOWNSHIP_FEDERATION, "街道残联": UnitKind.TOWNSHIP_FEDERATION,
              "村残协": UnitKind.VILLAGE_ASSOCIATION, "社区残协": UnitKind.VILLAGE_ASSOCIATION}
POST_NAMES = {**{label: value for value, label in Post.choices},
              **{value: value for value in Post.values}}
FOUNDED_BY_IMPORT = {UnitKind.TOWNSHIP_FEDERATION: "残疾人联合会",
                     UnitKind.VILLAGE_ASSOCIATION: "残疾人协会"}
_YES, _NO = {"是", "Y", "YES", "1", "TRUE", "√"}, {"否", "N", "NO", "0", "FALSE", "×"}
_DATE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?(?:[ T].*)?|"
                   r"([0-9]{4})([0-9]{2})([0-9]{2})")


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number; the header is row 1
    column: str
    message: str


@dataclass
class ImportReport:
    units_created: int = 0
    members_created: int = 0
    members_updated: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    written: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"units_created": self.units_created, "members_created": self.members_created,
                "members_updated": self.members_updated, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "written": self.written,
                "errors": len(self.errors)}


def read_table(path: Path, *, filename: str = "") -> tuple[list[Any], list[list[Any]]]:
    return read_core_table(path, filename=filename, limits=TABLE_LIMITS)


# ---------------------------------------------------------------- cells

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code or phone typed as a number
    return re.sub(r"\s+", "", str(value))


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError
    parts = [g for g in match.groups() if g is not None]
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


def _flag(value: Any) -> bool | None:
    text = _text(value).upper()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError


def _header_map(header: Sequence[Any]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = re.sub(r"^\*+|(?:\(必填\)|（必填）|\*)+$", "", _text(cell))
        if text in COLUMNS and text not in columns:
            columns[text] = index
    missing = [c for c in REQUIRED if c not in columns]
    problems = [f"表头缺少列：{'、'.join(missing)}"] if missing else []
    return columns, problems


@dataclass
class _Row:
    row: int
    unit_region: str
    kind: str
    unit_name: str
    post: str
    name: str
    phone: str
    member_region: str
    started_on: date
    ended_on: date | None
    flags: dict[str, bool]


def _parse(number: int, cells: Sequence[Any], columns: dict[str, int],
           errors: list[RowError]) -> _Row | None:
    def cell(column: str) -> Any:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    found = len(errors)

    def bad(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    for column in REQUIRED:
        if not _text(cell(column)):
            bad(column, "必填，不能为空")
    kind = KIND_NAMES.get(_text(cell(UNIT_KIND)), "")
    if _text(cell(UNIT_KIND)) and not kind:
        bad(UNIT_KIND, "组织类型应为：" + "、".join(UnitKind.labels))
    post = POST_NAMES.get(_text(cell(POST)), "")
    if _text(cell(POST)) and not post:
        bad(POST, "职务应为：" + "、".join(Post.labels))
    for column in (UNIT_REGION, MEMBER_REGION):
        code = _text(cell(column))
        if code and not re.fullmatch(r"[0-9]{12}", code):
            bad(column, "区划代码应为 12 位数字")
    dates: dict[str, date | None] = {}
    for column in (STARTED_ON, ENDED_ON):
        try:
            dates[column] = _date(cell(column))
        except ValueError:
            bad(column, "应为日期，如 2024-01-31")
            dates[column] = None
    flags: dict[str, bool] = {}
    for column, name in FLAG_COLUMNS.items():
        try:
            value = _flag(cell(column))
        except ValueError:
            bad(column, "应填“是”或“否”")
            continue
        if value is not None:
            flags[name] = value
    if len(errors) > found or dates[STARTED_ON] is None:
        return None
    return _Row(number, _text(cell(UNIT_REGION)), kind, _text(cell(UNIT_NAME)), post,
                _text(cell(NAME)), _text(cell(PHONE)), _text(cell(MEMBER_REGION)),
                dates[STARTED_ON], dates[ENDED_ON], flags)  # type: ignore[arg-type]


# ---------------------------------------------------------------- writing

class _Rollback(Exception):
    pass


def holdings_import(*, actor: User, header: Sequence[Any], rows: Sequence[Sequence[Any]],
                    dry_run: bool = False, filename: str = "",
                    request: HttpRequest | None = None) -> ImportReport:
    report = ImportReport()
    columns, report.file_errors = _header_map(header)
    if report.file_errors:
        return report
    parsed = [_parse(n, cells, columns, report.errors) for n, cells in enumerate(rows, start=2)]
    try:
        with transaction.atomic():
            writer = _Writer(actor, report)
            for row in parsed:
                if row is not None:
                    writer.write(row)
            if report.errors or dry_run:
                raise _Rollback
            report.written = True
            audit.audit_record(actor=actor, action=AuditAction.IMPORT,
                               object_type="organizations.postholding",
                               region_code=actor.region_id,
                               summary=f"导入任职名单：{filename}"[:200],
                               changes=report.as_json(), request=request)
    except _Rollback:
        pass
    report.errors.sort(key=lambda e: (e.row, e.column))
    return report


class _Writer:
    def __init__(self, actor: User, report: ImportReport) -> None:
        self.actor, self.report = actor, report
        self.regions = {r.code: r for r in Region.objects.filter(is_active=True)}

    def write(self, row: _Row) -> None:
        counts = self.report.as_json()
        try:
            with transaction.atomic():
                unit = self._unit(row)
                member = self._member(row, unit)
                self._holding(row, unit, member)
        except DomainError as error:
            # The row's savepoint is rolled back: so are its counts.
            for name in ("units_created", "members_created", "members_updated", "created",
                         "updated", "unchanged"):
                setattr(self.report, name, counts[name])
            column = FIELD_COLUMN.get(error.field or "", "")
            self.report.errors.append(RowError(row.row, column, error.message))

    def _unit(self, row: _Row) -> OrgUnit:
        region = self.regions.get(row.unit_region)
        if region is None:
            raise DomainError("region", "没有这个区划代码。", field="unit")
        if not can_write_in(self.actor, region.code):
            raise DomainError("forbidden", "该区划不在您的管辖范围内。", field="unit")
        units = OrgUnit.objects.visible_to(self.actor).filter(
            region=region, kind=row.kind, is_active=True).select_related("region")
        if row.unit_name:
            units = units.filter(name=row.unit_name)
        found = list(units[:2])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise DomainError("ambiguous", "该区划下有多个此类组织，请填写“组织名称”。",
                              field="unit")
        if row.kind not in FOUNDED_BY_IMPORT:
            raise DomainError("no_unit", f"{region.name}没有这个{UnitKind(row.kind).label}，"
                              "请先在“组织”中建立。", field="unit")
        name = row.unit_name or (re.sub(r"(村民|居民)委员会$", "", region.name)
                                 + FOUNDED_BY_IMPORT[row.kind])
        self.report.units_created += 1
        return services.unit_create(actor=self.actor, data=services.UnitData(
            kind=row.kind, name=name, region_code=region.code))

    def _member(self, row: _Row, unit: OrgUnit) -> Member:
        phone = services.normalize_phone(row.phone)
        region_code = row.member_region or unit.region_id
        member = Member.objects.filter(name=row.name, phone_index=blind_index(phone)).first()
        if member is None:
            self.report.members_created += 1
            return services.member_create(actor=self.actor, data=services.MemberData(
                name=row.name, region_code=region_code, phone=phone, **row.flags))
        if not Member.objects.visible_to(self.actor).filter(pk=member.pk).exists():
            raise DomainError("member", "该人员已在您管辖范围以外登记，不能在此任命。",
                              field="member")
        current = {f: getattr(member, f) for f in services.MemberData.__dataclass_fields__
                   if f.startswith("is_")}
        wanted_region = row.member_region or member.region_id
        if {**current, **row.flags} != current or wanted_region != member.region_id:
            self.report.members_updated += 1
            data = services.MemberData(
                name=member.name, region_code=wanted_region, sex=member.sex, phone=member.phone,
                user_id=member.user_id, note=member.note, **{**current, **row.flags})
            member = services.member_update(actor=self.actor, member=member, data=data)
        return member

    def _holding(self, row: _Row, unit: OrgUnit, member: Member) -> None:
        existing = PostHolding.objects.filter(unit=unit, member=member, post=row.post,
                                              started_on=row.started_on).first()
        if existing is None:
            services.holding_create(actor=self.actor, unit=unit, member=member, post=row.post,
                                    started_on=row.started_on, ended_on=row.ended_on)
            self.report.created += 1
        elif existing.ended_on == row.ended_on:
            self.report.unchanged += 1
        elif row.ended_on is None:
            raise DomainError("reopen", "该任职已结束，导入不能取消终止日期；如确需恢复请在页面中"
                              "新任命。", field="ended_on")
        else:
            services.holding_end(actor=self.actor, holding=existing, ended_on=row.ended_on)
            self.report.updated += 1
