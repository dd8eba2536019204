"""Regions (issue #2 §2; DOMAIN.md §0.2, §6.2): shipped data and `manage.py load_regions`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from canlian.core.models import Region

SHIPPED_TOWNSHIPS = {"520322": 25, "610921": 10, "510704": 14, "410928": 21}


@pytest.mark.django_db
def test_shipped_counties_and_townships_match_domain_6_2() -> None:
    for county, count in SHIPPED_TOWNSHIPS.items():
        assert Region.objects.get(code=f"{county}000000").level == "county"
        assert Region.objects.filter(code__startswith=county, level="township").count() == count
    assert Region.objects.get(code="520322101000").name == "楚米镇"
    assert Region.objects.get(code="410928214000").name == "习城乡"


@pytest.mark.django_db
def test_demo_county_has_232_villages_each_inside_its_township() -> None:
    villages = Region.objects.filter(code__startswith="520322", level="village")
    assert villages.count() == 232
    for village in villages.select_related("parent"):
        assert village.parent.level == "township"
        assert village.code.startswith(village.parent.prefix)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = (
    "code,name,level,parent_code\n"
    "330000000000,浙江省,province,\n"
    "330100000000,杭州市,city,330000000000\n"
    "330102000000,上城区,county,330100000000\n"
    "330102001000,清波街道,township,330102000000\n"
    "330102001001,清波门社区,village,330102001000\n"
)


@pytest.mark.django_db
def test_load_regions_loads_a_file_and_a_second_run_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, GOOD)
    call_command("load_regions", str(path))
    assert "新增 5 条" in capsys.readouterr().out
    assert Region.objects.get(code="330102001001").parent_id == "330102001000"
    call_command("load_regions", str(path))
    assert "新增 0 条，更新 0 条，未变化 5 条" in capsys.readouterr().out


@pytest.mark.django_db
def test_load_regions_updates_a_renamed_region(tmp_path: Path) -> None:
    call_command("load_regions", str(_write(tmp_path, GOOD)))
    call_command("load_regions", str(_write(tmp_path, GOOD.replace("清波门社区", "清波社区"))))
    assert Region.objects.get(code="330102001001").name == "清波社区"


@pytest.mark.django_db
def test_load_regions_reports_every_bad_row_and_loads_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = GOOD + (
        "3301020010,短代码,village,330102001000\n"  # line 7
        "330102002001,错挂村,village,330102001000\n"  # line 8: not under its parent
        "330102001002,,village,330102001000\n"  # line 9: empty name
        "330102001003,某村,hamlet,330102001000\n"  # line 10: unknown level
        "330102001001,重复,village,330102001000\n"  # line 11: duplicate
        "330102009001,孤村,village,330102009000\n"  # line 12: parent missing
    )
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("load_regions", str(_write(tmp_path, bad)))
    err = capsys.readouterr().err
    assert "第 7 行 code 列：区划代码应为 12 位数字" in err
    assert "第 8 行 code 列：代码应以上级代码 330102001 开头" in err
    assert "第 9 行 name 列：名称不能为空" in err
    assert "第 10 行 level 列" in err
    assert "第 11 行 code 列：区划代码与第 6 行重复" in err
    assert "第 12 行 parent_code 列：上级区划 330102009000 不存在" in err
    assert not Region.objects.filter(code__startswith="33").exists()


@pytest.mark.django_db
def test_load_regions_rejects_a_file_without_the_columns(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("load_regions", str(_write(tmp_path, "代码,名称\n1,2\n")))
