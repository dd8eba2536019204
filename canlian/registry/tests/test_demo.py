"""Demo data (canlian.registry.demo): believable rows that pass the real parser, and
`manage.py seed_demo --persons N` filling the registry once (running it twice changes nothing)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from canlian.core.models import AuditEvent
from canlian.registry.demo import county_village_codes, generate_rows
from canlian.registry.models import CertificateStatus, Household, HouseholdStatus, Person
from canlian.registry.rows import ParseResult, PersonRow, parse_rows

TODAY = date(2026, 6, 30)
PERSONS = 300
# Shares are checked on more rows (generated and parsed only, ~0.3 s): 300 persons hold only
# ~150 disabled ones, too few for bounds that mean something.
SAMPLE = 3000
# Shares from the brief (the national sample survey), by category number.
SHARES = {4: 0.30, 2: 0.24, 7: 0.14, 1: 0.12, 6: 0.09, 5: 0.07, 3: 0.04}


def _generate(persons: int, seed: int = 2026) -> tuple[ParseResult, set[str]]:
    codes = county_village_codes()
    header, cells = generate_rows(persons=persons, seed=seed, region_codes=codes, today=TODAY)
    return parse_rows(header, cells, today=TODAY, known_region_codes=set(codes)), set(codes)


def _households(rows: list[PersonRow]) -> dict[str, list[PersonRow]]:
    households: dict[str, list[PersonRow]] = defaultdict(list)
    for row in rows:
        households[row.head_id_number or row.id_number].append(row)
    return households


@pytest.mark.django_db
def test_generated_rows_pass_the_parser_and_look_like_a_county() -> None:
    parsed, codes = _generate(PERSONS)
    assert parsed.file_errors == []
    assert parsed.errors == []
    rows = parsed.rows
    assert len(rows) == PERSONS == parsed.total_rows
    assert all(row.region_code in codes for row in rows)
    assert all(row.address.startswith("桐梓县") and row.address.endswith("组") for row in rows)
    # Households of 1–6, heads first, every one with a disabled person.
    households = _households(rows)
    assert all(1 <= len(members) <= 6 for members in households.values())
    assert all(any(m.category is not None for m in members) for members in households.values())
    assert {r.relation_to_head for r in rows if r.head_id_number} <= {
        "配偶", "子女", "父母", "孙子女", "兄弟姐妹"}
    # Ages 0–95, the county's address code (and some of the historic 522122).
    ages = [(TODAY - row.birth_date).days // 365 for row in rows]
    assert min(ages) >= 0 and max(ages) <= 96
    assert sum(age >= 60 for age in ages) > sum(age < 18 for age in ages)
    prefixes = Counter(row.id_number[:6] for row in rows)
    assert set(prefixes) <= {"520322", "522122"} and prefixes["520322"] > 0.8 * len(rows)
    # 多重残疾 rows carry 2–3 components; certificates agree with the category and grade.
    multiple = [row for row in rows if row.category == 7]
    assert multiple and all(2 <= len(row.components) <= 3 for row in multiple)
    certified = [row for row in rows if row.certificate_number]
    assert certified and all(row.certificate_number[18:20] == f"{row.category}{row.grade}"
                             for row in certified)


@pytest.mark.django_db
def test_category_grade_and_status_shares_are_roughly_as_specified() -> None:
    parsed, _ = _generate(SAMPLE)
    rows = parsed.rows
    disabled = [row for row in rows if row.category is not None]
    # About every second person: the heads plus a quarter of the other members.
    assert 0.35 * len(rows) < len(disabled) < 0.75 * len(rows)
    counts = Counter(row.category for row in disabled)
    for category, share in SHARES.items():
        assert abs(counts[category] / len(disabled) - share) < 0.04, (category, counts)
    assert counts.most_common(1)[0][0] == 4  # physical is the most common
    severe = sum(row.grade in (1, 2) for row in disabled)
    assert 0.20 <= severe / len(disabled) < 0.35
    households = _households(rows)
    dibao = sum(members[0].is_dibao is True for members in households.values())
    assert 0.15 <= dibao / len(households) <= 0.25
    tekun = sum(members[0].is_tekun is True for members in households.values())
    assert 0 < tekun / len(households) < 0.05
    expired = [row for row in rows if row.cert_valid_until and row.cert_valid_until < TODAY]
    valid = [row for row in rows if row.cert_valid_until and row.cert_valid_until >= TODAY]
    assert expired and valid and len(valid) > len(expired)
    deceased = sum(row.living_status == "deceased" for row in rows)
    moved_out = sum(row.living_status == "moved_out" for row in rows)
    assert 0.01 < deceased / len(rows) < 0.05 and 0.005 < moved_out / len(rows) < 0.04
    care = [row.needs_long_term_care for row in disabled if row.grade in (1, 2)]
    assert 0.03 < sum(care) / len(care) < 0.2
    phones = sum(bool(row.phone) for row in rows)
    assert 0.55 < phones / len(rows) < 0.85


@pytest.mark.django_db
def test_generation_is_deterministic_for_a_seed() -> None:
    codes = county_village_codes()[:5]
    places = dict.fromkeys(codes, "桐梓县某镇某村")
    first = generate_rows(persons=50, seed=7, region_codes=codes, today=TODAY, places=places)
    again = generate_rows(persons=50, seed=7, region_codes=codes, today=TODAY, places=places)
    other = generate_rows(persons=50, seed=8, region_codes=codes, today=TODAY, places=places)
    assert first == again
    assert first[1] != other[1]


def _counts() -> tuple[int, ...]:
    return (Person.objects.count(), Person.history.count(), Household.objects.count(),
            HouseholdStatus.objects.count(), AuditEvent.objects.count())


@pytest.mark.django_db
def test_seed_demo_command_fills_the_registry_once() -> None:
    out = StringIO()
    call_command("seed_demo", persons=PERSONS, stdout=out)
    assert f"新增 {PERSONS} 人" in out.getvalue()
    assert "演示账户" in out.getvalue()  # the accounts are still created
    counts = _counts()
    assert counts[0] == PERSONS + 2  # and the portal demo's resident and ward (portal/demo.py)
    assert not Household.objects.exclude(members__category__isnull=False).exists()
    assert HouseholdStatus.objects.filter(kind="dibao").exists()
    assert Person.objects.filter(certificate_status=CertificateStatus.EXPIRED).exists()

    out = StringIO()
    call_command("seed_demo", persons=PERSONS, stdout=out)
    assert "不再生成" in out.getvalue()
    assert _counts() == counts


@pytest.mark.django_db
def test_seed_demo_without_persons_leaves_the_registry_alone() -> None:
    call_command("seed_demo", stdout=StringIO())
    assert Person.objects.count() == 0
