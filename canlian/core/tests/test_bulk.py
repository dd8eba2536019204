"""Set-based writes (core.bulk): INSERT … SELECT, optionally skipping what a unique key holds."""

from __future__ import annotations

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from canlian.core.bulk import insert_from_select
from canlian.core.models import Region

pytestmark = pytest.mark.django_db


def _villages_copied(*, ignore_conflicts: bool, suffix: str) -> int:
    """Each village again under the code with its last three digits replaced by `suffix`."""
    villages = Region.objects.filter(level="village", code__startswith="520322").order_by()
    return insert_from_select(Region, villages, {
        "code": Concat(Substr("code", 1, 9), Value(suffix)), "name": F("name"),
        "level": F("level"), "parent": F("parent_id"), "is_active": F("is_active")},
        ignore_conflicts=ignore_conflicts)


def test_insert_from_select_skips_rows_a_unique_key_already_holds() -> None:
    villages = Region.objects.filter(level="village", code__startswith="520322").count()
    assert villages > 1
    first = _villages_copied(ignore_conflicts=True, suffix="999")
    # Villages of one township all map to its …999 code: the first of each is inserted once.
    townships = Region.objects.filter(code__endswith="999", code__startswith="520322").count()
    assert first == townships > 0
    assert _villages_copied(ignore_conflicts=True, suffix="999") == 0  # re-run: nothing new


def test_without_ignore_conflicts_a_duplicate_key_fails() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        _villages_copied(ignore_conflicts=False, suffix="999")
