"""Two staff acting on the same application at once: exactly one succeeds, the other gets the
conflict message and nothing of theirs is written (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from canlian.certificates import services, workflow
from canlian.certificates.models import Application, ApplicationStep
from canlian.certificates.tests.helpers import submit
from canlian.core.errors import DomainError
from canlian.core.models import User
from canlian.registry.tests.factories import make_id_number


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_acceptances_only_one_succeeds(personas: dict[str, User],
                                                      regions: dict[str, str],
                                                      audit_flush_allowed: None) -> None:
    app = submit(personas["county_staff"], type="new", channel="township",
                 region=regions["village_a"], id_number=make_id_number())
    actors = [personas["county_staff"], personas["township_staff"]]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(actor: User) -> None:
        mine = Application.objects.get(pk=app.pk)  # both read version 1
        barrier.wait()
        try:
            services.application_accept(actor=actor, application=mine,
                                        received=workflow.materials_required(mine),
                                        expected_version=1)
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    app.refresh_from_db()
    assert app.version == 2
    assert ApplicationStep.objects.filter(application=app, step="accept").count() == 1
