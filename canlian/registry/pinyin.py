"""Pinyin initials of a person's name, for the registry search box ("zs" finds 张三).

pypinyin has no surname mode, so common polyphonic surnames come out wrong (曾 → c, 单 → d, …;
../shared/STACK.md §1). The first character (or two, for compound surnames) is therefore looked
up in an override table before pypinyin reads the rest of the name.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

__all__ = ["name_initials"]

# Compound surnames read differently from their characters' usual readings. 欧阳 and 长孙 come
# out right from pypinyin already; these two are pinned so a pypinyin update cannot change them.
_COMPOUND_SURNAMES: dict[str, str] = {"尉迟": "yc", "万俟": "mq"}

# Single-character surnames with a surname-only reading: 曾 zēng, 单 shàn, 解 xiè, 仇 qiú,
# 朴 piáo, 区 ōu, 覃 qín, 查 zhā, 缪 miào, 盖 gě.
_SURNAMES: dict[str, str] = {
    "曾": "z",
    "单": "s",
    "解": "x",
    "仇": "q",
    "朴": "p",
    "区": "o",
    "覃": "q",
    "查": "z",
    "缪": "m",
    "盖": "g",
}


def _ascii_letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if "a" <= ch <= "z")


def _surname_initials(name: str) -> tuple[str, str]:
    """The surname's initials from the override tables and the rest of the name."""
    for surname, initials in _COMPOUND_SURNAMES.items():
        if name.startswith(surname):
            return initials, name[len(surname) :]
    first = name[:1]
    if first in _SURNAMES:
        return _SURNAMES[first], name[1:]
    return "", name


def name_initials(name: str) -> str:
    """Lower-case pinyin first letters of a name: 张三 → ``"zs"``, 曾国藩 → ``"zgf"``.

    ASCII letters are kept (lower-cased); spaces, punctuation, digits and the middle dot of
    ethnic-minority names (阿依古丽·买买提 → ``"ayglmmt"``) are dropped. Empty → ``""``.
    """
    # NFKC turns full-width letters (Ｔｏｍ) into ASCII and the ideographic space into a space.
    text = unicodedata.normalize("NFKC", name or "").strip()
    prefix, rest = _surname_initials(text)
    if not rest:
        return prefix
    return prefix + _rest_initials(rest)


@lru_cache(maxsize=1 << 16)
def _rest_initials(rest: str) -> str:
    """The initials of a name after its surname. Cached: given names repeat (秀英, 建华 …) far
    more than whole names, and pypinyin's phrase segmentation costs some 30 µs a name — most
    of a 100,000-row registry import's pinyin time (bench/registry.py)."""
    # Characters pypinyin does not know (letters, punctuation, rare ideographs) come back as
    # they are; only their ASCII letters survive.
    pieces = lazy_pinyin(rest, style=Style.FIRST_LETTER)
    return "".join(_ascii_letters(piece) for piece in pieces)
