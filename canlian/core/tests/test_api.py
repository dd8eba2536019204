"""The JSON API: per-user bearer tokens (`manage.py issue_token`), scoping, masking."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import Client

from canlian.core import services
from canlian.core.models import ApiToken, AuditAction, AuditEvent, User


def _token(username: str) -> str:
    out = io.StringIO()
    call_command("issue_token", username, stdout=out)
    return out.getvalue().strip()


def test_issue_token_prints_a_bearer_token_that_signs_in(personas: dict[str, User],
                                                         client: Client) -> None:
    token = _token("admin")
    assert token.startswith("cl_")
    stored = ApiToken.objects.get(user=personas["county_admin"])
    assert token.split("_", 2)[2] not in stored.secret_hash  # only a hash is kept
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["username"] == "admin"
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_ISSUED).exists()


def test_wrong_or_revoked_token_is_401(personas: dict[str, User], client: Client) -> None:
    token = _token("admin")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}x").status_code == 401
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00+08:00")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_api_lists_only_users_in_jurisdiction_with_masked_phones(
    personas: dict[str, User], client: Client
) -> None:
    services.user_create(
        actor=personas["county_admin"], username="tel", name="电话", role="leader",
        region=personas["county_admin"].region, password="Xy!12345pass", phone="13912345678",
    )
    token = _token("admin")
    body = client.get("/api/v1/users?limit=100", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    names = {u["username"] for u in body["items"]}
    assert {"admin", "chumi", "liaison_a", "liaison_b", "tel"} <= names
    assert "hy_admin" not in names
    tel = next(u for u in body["items"] if u["username"] == "tel")
    assert tel["phone_masked"] == "139****5678"
    assert "13912345678" not in str(body)


def test_openapi_schema_is_published(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/me" in response.json()["paths"]
