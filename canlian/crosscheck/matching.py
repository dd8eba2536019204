"""Matching a list against the registry (issue #8 §2).

Exact: one UPDATE … FROM joining the staging rows to registry persons on the ID blind index;
a different name is kept as `name_differs` (and becomes a finding). Near: only for rows whose
check character is wrong, the ID numbers one typing slip away (one digit changed, or two
adjacent characters swapped) that have a valid check character are blind-indexed and looked up;
a registry person with the same name becomes a MatchCandidate for staff to accept or reject.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.db.models import Q

from canlian.core.crypto import blind_index
from canlian.core.idnumbers import id_check_char
from canlian.crosscheck.models import (
    CandidateReason,
    Dataset,
    DatasetRow,
    MatchCandidate,
    MatchQuality,
)
from canlian.registry.models import Person

CHUNK = 1000
_DIGITS = "0123456789"


def rows_match(dataset: Dataset) -> int:
    """Link every row whose ID is in the registry; returns the rows matched."""
    row, person = DatasetRow._meta.db_table, Person._meta.db_table
    with connection.cursor() as cursor:
        # Names compare without spaces: lists and the registry space names differently.
        # Table names come from the models, values are parameters.
        sql = (f"UPDATE {row} SET person_id = p.id, match = CASE "  # noqa: S608
               f"WHEN REPLACE(p.name, ' ', '') = {row}.name THEN %s ELSE %s END "
               f"FROM {person} p WHERE p.id_number_index = {row}.id_index "
               f"AND {row}.dataset_id = %s AND {row}.match <> %s")
        cursor.execute(sql, [MatchQuality.EXACT, MatchQuality.NAME_DIFFERS, dataset.pk,
                             MatchQuality.NEAR])
    return DatasetRow.objects.filter(dataset=dataset, person__isnull=False).count()


def id_variants(number: str) -> Iterator[tuple[str, str]]:
    """ID numbers one slip away from `number` that pass the MOD 11-2 check (DOMAIN.md §2.2).

    MOD 11-2 catches every single substitution and every adjacent swap, so a number with a
    wrong check character is exactly where such a slip can be undone.
    """
    body, check = number[:17], number[17]
    yield body + id_check_char(body), CandidateReason.DIGIT  # the check character mistyped
    for i in range(17):
        for digit in _DIGITS:
            if digit != body[i]:
                changed = body[:i] + digit + body[i + 1:]
                if id_check_char(changed) == check:
                    yield changed + check, CandidateReason.DIGIT
    chars = list(number)
    for i in range(17):
        if chars[i] == chars[i + 1]:
            continue
        swapped = chars.copy()
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        text = "".join(swapped)
        if text[:17].isdigit() and id_check_char(text[:17]) == text[17]:
            yield text, CandidateReason.SWAP


def candidates_find(dataset: Dataset) -> int:
    """Near-match candidates for the unmatched rows with a wrong check character; re-running
    adds none twice (unique row × person). Returns the open candidates of the dataset."""
    rows = (DatasetRow.objects.filter(dataset=dataset, person__isnull=True, id_valid=False)
            .exclude(id_number="").only("pk", "name", "id_number").order_by("pk"))
    last = 0
    while chunk := list(rows.filter(pk__gt=last)[:CHUNK]):
        last = chunk[-1].pk
        wanted: dict[str, list[tuple[DatasetRow, str]]] = {}
        for row in chunk:
            for variant, reason in id_variants(row.id_number):
                wanted.setdefault(blind_index(variant), []).append((row, reason))
        found = []
        for person in Person.objects.filter(id_number_index__in=list(wanted)).only(
                "pk", "name", "region_id", "id_number_index"):
            for row, reason in wanted[person.id_number_index]:
                if person.name.replace(" ", "") == row.name:
                    found.append(MatchCandidate(row=row, person=person, reason=reason,
                                                region_code=person.region_id))
        MatchCandidate.objects.bulk_create(found, ignore_conflicts=True)
    return MatchCandidate.objects.filter(Q(row__dataset=dataset), Q(status="open")).count()
