"""Certificate API: the same permissions and services as the pages; a stale version is a 409
and an out-of-order step a 409 with the reason, and nothing changes."""

from __future__ import annotations

from django.test import Client

from canlian.certificates import workflow
from canlian.certificates.models import Application, Step
from canlian.core.models import User
from canlian.registry.tests.factories import make_id_number

URL = "/api/v1/certificates/applications"


def test_create_list_detail_and_transitions(personas: dict[str, User], regions: dict[str, str],
                                            client: Client) -> None:
    client.force_login(personas["county_staff"])
    response = client.post(URL, {"type": "new", "channel": "window", "name": "赵六",
                                 "id_number": make_id_number(),
                                 "region_code": regions["village_a"], "declared_category": 4},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["id_number_masked"].count("*") == 8
    assert client.get(URL).json()["count"] == 1
    app = Application.objects.get(pk=created["id"])
    body = {"action": "accept", "version": app.version,
            "received": workflow.materials_required(app)}
    moved = client.post(f"{URL}/{app.pk}/transitions", body, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["step"] == Step.ASSESS
    again = client.post(f"{URL}/{app.pk}/transitions", body, content_type="application/json")
    assert again.status_code == 409 and "其他工作人员" in again.json()["detail"]
    early = client.post(f"{URL}/{app.pk}/transitions",
                        {"action": "review", "version": app.version + 1},
                        content_type="application/json")
    assert early.status_code == 409 and "不能进行“县残联审核”" in early.json()["detail"]
    assert client.get(f"{URL}/{app.pk}").json()["version"] == app.version + 1


def test_second_new_for_a_valid_certificate_is_422_via_api(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    from canlian.certificates.tests.helpers import holder

    person = holder(regions["village_a"])
    client.force_login(personas["county_staff"])
    response = client.post(URL, {"type": "new", "channel": "window", "name": person.name,
                                 "id_number": person.id_number,
                                 "region_code": regions["village_a"], "declared_category": 4},
                           content_type="application/json")
    assert response.status_code == 422 and "已持有有效的残疾人证" in response.json()["detail"]


def test_leader_reads_but_cannot_transition(personas: dict[str, User], regions: dict[str, str],
                                            client: Client) -> None:
    client.force_login(personas["leader"])
    assert client.get(URL).status_code == 200
    assert client.post(f"{URL}/1/transitions", {"action": "accept", "version": 1},
                       content_type="application/json").status_code == 403
