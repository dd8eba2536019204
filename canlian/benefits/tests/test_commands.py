"""Management commands of benefits (issue #6 part 1): load_policies, export_policies,
run_eligibility and import_ledger — through call_command, with their printed output."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from canlian.benefits.catalog import SHIPPED_CATALOG
from canlian.benefits.models import (
    EligibilityRun,
    LedgerEntry,
    Policy,
    PolicyRuleVersion,
    Rate,
)
from canlian.benefits.tests.helpers import enrol, holder, load_catalog
from canlian.core.models import User
from canlian.registry.models import LivingStatus, Person

MARCH = date(2026, 3, 1)


def run(*args: Any) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _policy_rows() -> list[tuple[Any, ...]]:
    return sorted([*Policy.objects.values_list(), *PolicyRuleVersion.objects.values_list(
        "policy_id", "number", "text"), *Rate.objects.values_list()], key=repr)


# ------------------------------------------------------------------ load / export


def test_load_policies_creates_the_shipped_catalog_then_changes_nothing(
        regions: dict[str, str]) -> None:
    out, _ = run("load_policies", str(SHIPPED_CATALOG))
    assert "新增 8，更新 0，未变化 0" in out
    out, _ = run("load_policies", str(SHIPPED_CATALOG))
    assert "新增 0，更新 0，未变化 8" in out
    assert PolicyRuleVersion.objects.filter(policy__code="care_subsidy").count() == 1


def test_load_policies_reports_an_updated_rule(regions: dict[str, str], tmp_path: Path) -> None:
    run("load_policies", str(SHIPPED_CATALOG))
    text = SHIPPED_CATALOG.read_text(encoding="utf-8").replace(
        "rule: enrolable and dibao and not tekun", "rule: enrolable and dibao and not tekun "
        "and age >= 16", 1)
    changed = tmp_path / "policies.yaml"
    changed.write_text(text, encoding="utf-8")
    out, _ = run("load_policies", str(changed))
    assert "新增 0，更新 1，未变化 7" in out
    assert PolicyRuleVersion.objects.filter(policy__code="living_allowance").count() == 2


def test_load_policies_with_a_bad_rule_says_where_and_writes_nothing(
        regions: dict[str, str], tmp_path: Path) -> None:
    text = SHIPPED_CATALOG.read_text(encoding="utf-8").replace(
        "rule: enrolable and severe", "rule: enrolable and sevre", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("load_policies", str(bad))
    assert "未写入任何数据" in str(raised.value)
    assert "tz_medical_insurance" in str(raised.value)
    assert Policy.objects.count() == 0


def test_load_policies_with_a_file_that_is_not_a_catalog(regions: dict[str, str],
                                                         tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("policies: [\n", encoding="utf-8")
    with pytest.raises(CommandError, match="格式有误"):
        run("load_policies", str(bad))
    with pytest.raises(CommandError, match="找不到文件"):
        run("load_policies", str(tmp_path / "missing.yaml"))
    assert Policy.objects.count() == 0


def test_load_policies_fails_with_exit_code_1_and_message_on_stderr(
        regions: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import ManagementUtility

    bad = tmp_path / "x.yaml"
    bad.write_text("format: other\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "load_policies", str(bad)]).execute()
    assert exited.value.code == 1
    assert "不是政策目录文件" in capsys.readouterr().err


def test_export_then_load_changes_nothing(regions: dict[str, str], tmp_path: Path) -> None:
    run("load_policies", str(SHIPPED_CATALOG))
    before = _policy_rows()
    exported = tmp_path / "exported.yaml"
    out, _ = run("export_policies", str(exported))
    assert str(exported) in out
    out, _ = run("load_policies", str(exported))
    assert "新增 0，更新 0，未变化 8" in out
    assert _policy_rows() == before


def test_export_policies_to_stdout_is_the_file_format(regions: dict[str, str]) -> None:
    run("load_policies", str(SHIPPED_CATALOG))
    out, _ = run("export_policies")
    assert out.count("\n- code: ") == 8
    assert "format: canlian-policies/1" in out
    assert "rule: enrolable and grade in (1, 2) and needs_long_term_care" in out


# ------------------------------------------------------------------ run_eligibility


@pytest.fixture
def staff(personas: dict[str, User]) -> User:
    return personas["county_staff"]


@pytest.fixture
def situation(regions: dict[str, str], staff: User) -> dict[str, Person]:
    """One care-subsidy person to enrol, one enrolled and fine, one enrolled but dead."""
    catalog = load_catalog()
    care = catalog["care_subsidy"]
    new = holder(regions["village_a"], name="新人", grade=1, care=True)
    fine = holder(regions["village_a"], name="在册", grade=2, care=True)
    dead = holder(regions["village_b"], name="已故", grade=1, care=True,
                  living_status=LivingStatus.DECEASED, living_status_on=date(2026, 1, 10))
    for person in (fine, dead):
        enrol(person, care, date(2025, 6, 1), staff)
    return {"new": new, "fine": fine, "dead": dead}


def test_run_eligibility_json_lists_id_numbers_to_enrol_and_to_stop_with_reasons(
        situation: dict[str, Person], staff: User) -> None:
    out, _ = run("run_eligibility", "--month", "2026-03", "--json")
    result = {item["policy"]: item for item in json.loads(out)}
    care = result["care_subsidy"]
    assert (care["eligible"], care["enrolled"]) == (2, 2)
    assert care["to_enrol"] == [situation["new"].id_number]
    assert [s["id"] for s in care["to_stop"]] == [situation["dead"].id_number]
    assert "死亡" in care["to_stop"][0]["reason"]
    assert set(result["living_allowance"]) == {"policy", "eligible", "enrolled", "to_enrol",
                                               "to_stop"}
    run_ = EligibilityRun.objects.get()
    assert (run_.started_by, run_.month) == (staff, MARCH)


def test_run_eligibility_prints_a_chinese_table(situation: dict[str, Person]) -> None:
    out, _ = run("run_eligibility", "--month", "2026-03")
    assert "资格比对 2026年03月" in out
    line = next(row for row in out.splitlines() if row.startswith("重度残疾人护理补贴"))
    assert line.split()[1:] == ["2", "2", "1", "1"]


def test_run_eligibility_as_a_named_user_and_refusals(situation: dict[str, Person],
                                                      personas: dict[str, User]) -> None:
    run("run_eligibility", "--month", "2026-03", "--user", "county")
    assert EligibilityRun.objects.get().started_by == personas["county_staff"]
    with pytest.raises(CommandError, match="不是县残联工作人员"):
        run("run_eligibility", "--month", "2026-03", "--user", "leader")
    with pytest.raises(CommandError, match="不存在"):
        run("run_eligibility", "--month", "2026-03", "--user", "nobody")
    with pytest.raises(CommandError, match="不是有效的年月"):
        run("run_eligibility", "--month", "2026-13")
    assert EligibilityRun.objects.count() == 1


def test_run_eligibility_without_county_staff_asks_for_a_user(regions: dict[str, str]) -> None:
    with pytest.raises(CommandError, match="--user"):
        run("run_eligibility", "--month", "2026-03")


# ------------------------------------------------------------------ import_ledger


def _ledger_csv(path: Path, rows: list[list[str]]) -> Path:
    header = ["年度", "身份证号", "姓名", "政策代码", "发放月数", "金额", "来源"]
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_ledger_writes_entries_and_is_idempotent(
        situation: dict[str, Person], tmp_path: Path) -> None:
    fine = situation["fine"]
    path = _ledger_csv(tmp_path / "ledger.csv", [
        ["2019", fine.id_number, fine.name, "care_subsidy", "12", "960", "2019年台账"]])
    out, _ = run("import_ledger", str(path), "--user", "county", "--dry-run")
    assert "检查完成（未写入）" in out
    assert LedgerEntry.objects.count() == 0
    out, _ = run("import_ledger", str(path), "--user", "county")
    assert "导入完成：新增 1" in out
    out, _ = run("import_ledger", str(path), "--user", "county", "--json")
    assert json.loads(out) == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 0,
                               "errors": []}
    entry = LedgerEntry.objects.get()
    assert (entry.person, entry.year, entry.months, str(entry.amount)) == (fine, 2019, 12,
                                                                           "960.00")


def test_import_ledger_with_a_bad_row_names_it_and_writes_nothing(
        situation: dict[str, Person], tmp_path: Path) -> None:
    fine = situation["fine"]
    path = _ledger_csv(tmp_path / "ledger.csv", [
        ["2019", fine.id_number, fine.name, "care_subsidy", "12", "960", ""],
        ["2019", fine.id_number, fine.name, "no_such_policy", "12", "960", ""]])
    err = StringIO()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_ledger", str(path), "--user", "county", stdout=StringIO(),
                     stderr=err)
    assert "第 3 行 政策代码" in err.getvalue()
    assert LedgerEntry.objects.count() == 0


def test_import_ledger_file_errors(situation: dict[str, Person], tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CommandError, match="文件是空的"):
        run("import_ledger", str(empty), "--user", "county")
    with pytest.raises(CommandError, match="不存在"):
        run("import_ledger", str(empty), "--user", "nobody")
