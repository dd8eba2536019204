"""Issue 16 §4: no page shows a full identifier (ID number, phone, certificate number) unless
it is an explicit, audited reveal. Every page of the jurisdiction matrix is fetched as each
role allowed on it, over registry data with every identifier filled in (households, guardians,
certificates, phones), and its HTML is searched for every identifier stored in the database
(every EncryptedCharField of every model, decrypted)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from canlian.core.crypto import EncryptedCharField
from canlian.core.idnumbers import build_certificate_number
from canlian.core.models import User
from canlian.core.roles import ALL_ROLES
from canlian.tests.test_jurisdiction_matrix import SAMPLES, html_endpoints

MIN_LENGTH = 7  # shorter values (a tail of four, an empty field) are not an identifier


def _stored_identifiers() -> dict[str, str]:
    """Every identifier value in the database → where it is stored."""
    found = {}
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, EncryptedCharField)]
        if not fields:
            continue
        for row in model._default_manager.values("pk", *fields):
            for name in fields:
                value = row[name] or ""
                if len(value) >= MIN_LENGTH:
                    found[value] = f"{model._meta.label}.{name} #{row['pk']}"
    return found


@pytest.fixture
def households(personas: dict[str, User], regions: dict[str, str]) -> None:
    """A household per village, with a certificate holder, a guardian and phones."""
    from canlian.registry.tests.factories import make_id_number, make_person

    for n, village in enumerate(("village_a", "village_a2", "village_b")):
        head = make_person(region_code=regions[village], name=f"户主{n}",
                           phone=f"1391234{n:04d}", birth=date(1970, 1, 1))
        number = make_id_number(date(2012, 5, 5))
        make_person(region_code=regions[village], name=f"孩子{n}", id_number=number,
                    birth=date(2012, 5, 5), household=head.household, relation_to_head="子女",
                    category=5, grade=1, phone=f"1370000{n:04d}",
                    certificate_number=build_certificate_number(id_number=number, category=5,
                                                                grade=1),
                    guardian_name=head.name, guardian_id_number=head.id_number,
                    guardian_phone=head.phone)
    for persona in personas.values():  # accounts carry phones too
        persona.phone = f"1580000{persona.pk:04d}"
        persona.save(update_fields=["phone"])


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_no_page_shows_a_full_identifier(role: str, personas: dict[str, User],
                                         households: None, client: Client) -> None:
    actor = personas[role]
    failures: list[str] = []
    for name, view in html_endpoints():
        if view.allowed_roles is None or role not in view.allowed_roles:
            continue
        client.force_login(actor)
        sample = SAMPLES.get(name)
        inside: dict[str, Any] = sample(actor, personas)[0] if sample else {}
        response = client.get(reverse(name, kwargs=inside))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        # A user's own account details on their own forms (a resident's phone prefilled on an
        # application) are theirs, not a look at someone's record.
        own = {actor.phone, actor.id_number} - {""}
        failures += [f"{name}: {where}" for value, where in _stored_identifiers().items()
                     if value in html and value not in own]
    assert failures == []
