"""The portal demo (issue 16 item 8): `resident` is a registered disabled person and `relative`
the verified guardian of a registered disabled child, so 政策自测 and the applications work for
both in the demo; running it twice changes nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from canlian.core.models import User
from canlian.portal.demo import seed_demo
from canlian.registry.models import GuardianLink, Person


def test_demo_resident_and_relative_can_use_every_portal_flow(db: None, client: Client) -> None:
    call_command("seed_demo", stdout=StringIO())  # the accounts only
    seed_demo(persons=1, stdout=StringIO())
    resident = User.objects.get(username="resident")
    relative = User.objects.get(username="relative")
    me = Person.objects.get(id_number_index=resident.id_number_index)
    assert me.is_disabled and me.certificate_number
    client.force_login(resident)
    page = client.get(reverse("benefits:my_benefits")).content.decode()
    assert "没有找到" not in page and "黄小梅" in page
    assert "本人（黄小梅）" in client.get(reverse("portal:apply")).content.decode()
    client.force_login(relative)
    page = client.get(reverse("benefits:my_benefits")).content.decode()
    assert "黄小雨" in page
    assert "被监护人：黄小雨" in client.get(reverse("portal:apply")).content.decode()
    counts = (Person.objects.count(), GuardianLink.objects.count())
    assert GuardianLink.objects.filter(user=relative, status="verified").count() == 1
    assert GuardianLink.objects.filter(user=relative, status="pending").count() == 1
    seed_demo(persons=1, stdout=StringIO())
    assert (Person.objects.count(), GuardianLink.objects.count()) == counts
