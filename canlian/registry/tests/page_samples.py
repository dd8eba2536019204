"""Jurisdiction-matrix samples for the guardian-link pages (see
canlian/tests/test_jurisdiction_matrix.py): a request in village A is inside, one of another
county outside."""

from __future__ import annotations

from typing import Any

from canlian.core.models import User

Kwargs = dict[str, Any]
OTHER_VILLAGE = "610921100000"  # a region of 汉阴县, outside every 桐梓 persona


def _guardian_link(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from django.utils import timezone

    from canlian.core.crypto import blind_index
    from canlian.registry.models import GuardianLink
    from canlian.registry.tests.factories import make_id_number

    def make(region: str) -> GuardianLink:
        number = make_id_number()
        return GuardianLink.objects.create(
            user=p["resident"], region_id=region, name="样例", id_number=number,
            id_number_index=blind_index(number), relation="父母", requested_at=timezone.now())

    inside = make(p["village_liaison"].region_id)
    return {"link_id": inside.pk}, {"link_id": make(OTHER_VILLAGE).pk}


SAMPLES = {"registry:guardian_detail": _guardian_link}
