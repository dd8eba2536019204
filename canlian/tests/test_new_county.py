"""A new county from an empty database (issue 17 §11), end to end with the operator's commands,
for 汉阴县 (陕西省安康市, DOMAIN.md §5 region list), not the demo's 桐梓县: its regions from a
CSV, its first accounts from add_user, 陕西's two-subsidy template as its catalog, its registry
from an XLSX, and the month's eligibility run. The steps are README's “为新县部署”."""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command
from django.utils import timezone

from canlian.benefits.models import Policy
from canlian.core.idnumbers import id_check_char
from canlian.core.models import AuditEvent, Region, User
from canlian.core.roles import Role
from canlian.registry.models import Person

pytestmark = pytest.mark.django_db

COUNTY = "610921000000"
CHENGGUAN, JIANCHI = "610921100000", "610921101000"
DONGCHENG, XINCUN = "610921100001", "610921101201"
PASSWORD = "Hanyin#2026-Zq8Lm"  # not printed anywhere by the commands
REGIONS_CSV = f"""code,name,level,parent_code
610000000000,陕西省,province,
610900000000,安康市,city,610000000000
{COUNTY},汉阴县,county,610900000000
{CHENGGUAN},城关镇,township,{COUNTY}
{JIANCHI},涧池镇,township,{COUNTY}
{DONGCHENG},东城社区,village,{CHENGGUAN}
{XINCUN},新村村,village,{JIANCHI}
"""
CATALOG = Path(__file__).resolve().parents[1] / "benefits" / "data" / "provinces"


def _id(birth: date, sequence: int) -> str:
    first17 = f"610921{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def _command(*args: str, stdin: str = "") -> str:
    out, saved = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    finally:
        sys.stdin = saved
    return out.getvalue()


def _add_user(username: str, role: str, region: str, name: str,
              password: str = PASSWORD) -> str:
    return _command("add_user", username, "--role", role, "--region", region, "--name", name,
                    "--password-stdin", stdin=password + "\n")


def _registry_file(path: Path, persons: list[dict[str, str]]) -> Path:
    header = ["姓名", "身份证号", "户籍地区划代码", "残疾类别", "残疾等级", "残疾人证号",
              "发证日期", "有效期至", "是否低保", "是否需长期照护"]
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("残疾人")
    sheet.write_row(0, 0, header)
    for number, person in enumerate(persons, start=1):
        sheet.write_row(number, 0, [person.get(column, "") for column in header])
    workbook.close()
    return path


def test_a_new_county_runs_from_an_empty_database(tmp_path: Path) -> None:
    assert not User.objects.exists() and not Person.objects.exists()

    # 1. Its regions.
    csv_path = tmp_path / "hanyin.csv"
    csv_path.write_text(REGIONS_CSV, encoding="utf-8")
    _command("load_regions", str(csv_path))
    assert Region.objects.get(code=XINCUN).parent_id == JIANCHI

    # 2. Its first accounts: createsuperuser points to add_user; add_user applies the rules.
    with pytest.raises(CommandError, match="add_user"):
        _command("createsuperuser", "--noinput", "--username", "root")
    with pytest.raises(CommandError, match="--password-stdin"):
        _command("add_user", "hy_admin", "--role", Role.COUNTY_ADMIN, "--region", COUNTY,
                 "--name", "系统管理员")
    with pytest.raises(CommandError, match="区划代码 610921999000 不存在"):
        _add_user("hy_admin", Role.COUNTY_ADMIN, "610921999000", "系统管理员")
    with pytest.raises(CommandError) as weak:
        _add_user("hy_admin", Role.COUNTY_ADMIN, COUNTY, "系统管理员", password="12345678")
    assert "密码" in str(weak.value) and not User.objects.exists()
    printed = _add_user("hy_admin", Role.COUNTY_ADMIN, COUNTY, "系统管理员")
    printed += _add_user("hy_staff", Role.COUNTY_STAFF, COUNTY, "县残联工作人员")
    printed += _add_user("hy_chengguan", Role.TOWNSHIP_STAFF, CHENGGUAN, "城关镇残联")
    assert PASSWORD not in printed and "已新建账户 hy_admin（系统管理员，汉阴县）" in printed
    admin = User.objects.get(username="hy_admin")
    assert admin.check_password(PASSWORD) and admin.must_change_password
    assert not admin.is_superuser and admin.region_id == COUNTY
    assert AuditEvent.objects.filter(actor_username="manage.py", object_id=str(admin.pk)).exists()

    # 3. 陕西's catalog template, for this county.
    _command("load_policies", str(CATALOG / "shaanxi.yaml"), "--region", COUNTY)
    living = Policy.objects.get(code="living_allowance")
    assert living.region_id == COUNTY and living.period == "quarterly"
    assert sorted(living.rates.values_list("amount", flat=True)) == [60, 100]

    # 4. Its registry.
    today = timezone.localdate()
    adult, child, severe = (_id(date(1975, 3, 1), 11), _id(date(2015, 6, 1), 13),
                            _id(date(1960, 9, 9), 15))
    certificate = {"发证日期": f"{today.year - 1}-01-10",
                   "有效期至": f"{today.year + 5}-01-09"}
    persons = [
        {"姓名": "陈一", "身份证号": adult, "户籍地区划代码": DONGCHENG, "残疾类别": "肢体",
         "残疾等级": "二级", "残疾人证号": adult + "42", "是否低保": "是", **certificate},
        {"姓名": "陈二", "身份证号": child, "户籍地区划代码": DONGCHENG, "残疾类别": "智力",
         "残疾等级": "三级", "残疾人证号": child + "53", "是否低保": "是", **certificate},
        {"姓名": "刘三", "身份证号": severe, "户籍地区划代码": XINCUN, "残疾类别": "视力",
         "残疾等级": "一级", "残疾人证号": severe + "11", "是否低保": "否",
         "是否需长期照护": "是", **certificate},
    ]
    report = json.loads(_command("import_registry", str(_registry_file(tmp_path / "r.xlsx",
                                                                         persons)), "--json"))
    assert (report["written"], report["created"], report["errors"]) == (True, 3, [])

    # 5. This month's eligibility.
    results = json.loads(_command("run_eligibility", "--month", f"{today:%Y-%m}", "--user",
                                  "hy_staff", "--json"))
    by_policy = {r["policy"]: r for r in results}
    assert sorted(by_policy["living_allowance"]["to_enrol"]) == sorted([adult, child])
    assert by_policy["care_subsidy"]["to_enrol"] == [severe]
