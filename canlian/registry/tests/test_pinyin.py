"""Pinyin initials for the registry search box (canlian.registry.pinyin); no database."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canlian.registry.pinyin import name_initials


def test_initials_of_a_common_name() -> None:
    assert name_initials("张三") == "zs"
    assert name_initials("王小明") == "wxm"


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("曾国藩", "zgf"),  # zēng, not céng
        ("单雄信", "sxx"),  # shàn, not dān
        ("解缙", "xj"),  # xiè, not jiě
        ("仇英", "qy"),  # qiú, not chóu
        ("朴槿惠", "pjh"),  # piáo
        ("区嘉雯", "ojw"),  # ōu, not qū
        ("覃明", "qm"),  # qín, not tán
        ("查良镛", "zly"),  # zhā, not chá
        ("缪斌", "mb"),  # miào
        ("盖聂", "gn"),  # gě
    ],
)
def test_polyphonic_surnames_use_their_surname_reading(name: str, initials: str) -> None:
    assert name_initials(name) == initials


def test_surname_override_applies_to_the_first_character_only() -> None:
    assert name_initials("张曾") == "zc"  # 曾 as a given name keeps pypinyin's céng
    assert name_initials("曾") == "z"


@pytest.mark.parametrize(
    ("name", "initials"),
    [("欧阳修", "oyx"), ("长孙无忌", "zswj"), ("尉迟恭", "ycg"), ("万俟卨", "mqx")],
)
def test_compound_surnames(name: str, initials: str) -> None:
    assert name_initials(name) == initials


def test_minority_names_drop_the_middle_dot() -> None:
    assert name_initials("阿依古丽·买买提") == "ayglmmt"
    assert name_initials("阿依古丽・买买提") == "ayglmmt"  # katakana middle dot from some IMEs
    assert name_initials("买买提 · 艾力") == "mmtal"


def test_ascii_letters_are_kept_lower_cased_and_other_characters_dropped() -> None:
    assert name_initials("Tom张") == "tomz"
    assert name_initials("李A 明") == "lam"
    assert name_initials("Ｊｏｈｎ李") == "johnl"  # full-width letters
    assert name_initials("张三2号") == "zsh"
    assert name_initials("  王 五. ") == "ww"


def test_empty_name_gives_empty_initials() -> None:
    assert name_initials("") == ""
    assert name_initials("   ") == ""
    assert name_initials("·") == ""


@given(st.text())
def test_initials_are_always_lower_case_ascii_letters(name: str) -> None:
    assert re.fullmatch(r"[a-z]*", name_initials(name))
