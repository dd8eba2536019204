"""manage.py crosscheck --kind … FILE --json (issue #8 §4)."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from canlian.core.models import User
from canlian.registry.tests.factories import make_person

pytestmark = pytest.mark.django_db


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def test_json_output_lists_findings_with_full_id(tmp_path: Path, personas: dict[str, User],
                                                 regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    path = _csv(tmp_path / "d.csv", [["姓名", "身份证号", "死亡日期", "来源单位"],
                                     ["王五", person.id_number, "2026-01-15", "县医院"]])
    out = StringIO()
    call_command("crosscheck", "--kind", "deaths", str(path), "--json", "--month", "2026-03",
                 stdout=out)
    result = json.loads(out.getvalue())
    assert (result["rows"], result["matched"], result["rejected"]) == (1, 1, 0)
    assert result["findings"] == [{"kind": "deceased_alive", "id_number": person.id_number,
                                   "detail": result["findings"][0]["detail"]}]
    assert result["findings"][0]["detail"]["event_on"] == "2026-01-15"
    # The same file again: the same findings (already known), none added twice.
    out = StringIO()
    call_command("crosscheck", "--kind", "deaths", str(path), "--json", stdout=out)
    assert len(json.loads(out.getvalue())["findings"]) == 1


def test_bad_file_reports_rows_and_fails(tmp_path: Path, personas: dict[str, User]) -> None:
    path = _csv(tmp_path / "d.csv", [["姓名", "身份证号", "死亡日期"], ["王五", "1", "x"]])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("crosscheck", "--kind", "deaths", str(path), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["rejected"] == 1 and {e["column"] for e in result["errors"]} == {
        "身份证号", "死亡日期"}


def test_json_lists_each_near_match_with_both_id_numbers_and_what_differs(
        tmp_path: Path, personas: dict[str, User], regions: dict[str, str]) -> None:
    """A list row whose ID has one digit mistyped (its check character then fails) and the
    same name as a registry person is a near-match candidate (issue #8 §4); --json names the
    row, both ID numbers and the differing position, not only a count (issue 17 §16)."""
    person = make_person(region_code=regions["village_a"], name="赵六")
    registered = person.id_number
    digit = "1" if registered[14] != "1" else "2"  # a sequence digit mistyped
    listed = registered[:14] + digit + registered[15:]
    path = _csv(tmp_path / "d.csv", [["姓名", "身份证号", "死亡日期", "来源单位"],
                                     ["钱七", make_person(region_code=regions["village_a"],
                                                         name="钱七").id_number,
                                      "2026-01-10", "县医院"],
                                     ["赵六", listed, "2026-01-15", "县医院"]])
    out = StringIO()
    call_command("crosscheck", "--kind", "deaths", str(path), "--json", "--month", "2026-03",
                 stdout=out)
    result = json.loads(out.getvalue())
    assert result["candidate_count"] == 1
    assert result["candidates"] == [{
        "row": 3, "name": "赵六", "list_id_number": listed, "registry_id_number": registered,
        "reason": "digit", "status": "open",
        "differs": [{"position": 15, "list": digit, "registry": registered[14]}]}]
