"""等保 三员分立 (DOMAIN.md §7.1; DESIGN.md "Separation of duties"; issue #17 §6).

- the 系统管理员 (county_admin) manages accounts and configuration but handles no business
  personal data: no registry, cross-check, benefit, certificate or case page or endpoint;
- a new account, and one whose password an administrator reset, must choose its own password
  at the next sign-in, so the administrator never knows a working password;
- creating or changing an administrator account (系统管理员, 安全管理员, 审计管理员) takes a
  request by the 系统管理员 and the approval of another administrator role (or a command on the
  server); every step is audited.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from canlian.core import services
from canlian.core.errors import DomainError
from canlian.core.models import (
    AccountRequest,
    AccountRequestKind,
    AccountRequestStatus,
    AuditAction,
    AuditEvent,
    Region,
    User,
)
from canlian.core.roles import Role
from canlian.core.tests.factories import TEST_PASSWORD
from canlian.tests.test_jurisdiction_matrix import api_endpoints, html_endpoints

# What the 系统管理员 may open: accounts, regions, the holiday calendar, configuration (policy
# rules, review settings, thresholds: aggregate counts only), its own tasks. A new page that
# lets county_admin in must be added here after checking it shows no personal data.
COUNTY_ADMIN_PAGES = {
    "core:home", "core:password_change", "core:module", "core:task_progress",
    "core:task_download", "core:task_retry", "core:keepalive", "core:user_list",
    "core:user_create",
    "core:user_detail", "core:user_edit", "core:user_reveal", "core:user_password_reset",
    "core:account_request_list", "core:region_list", "core:calendar",
    "registry:approval_settings", "organizations:thresholds",
    "benefits:policy_list", "benefits:policy_detail", "benefits:policy_rule_edit",
}
COUNTY_ADMIN_API = {
    "api:me", "api:regions", "api:users", "api:user_detail", "api:task_run",
    "api:benefit_policies", "api:benefit_policy_detail",
}
NEW_PASSWORD = "Mq7-Tz!e2Wpx"


def _login(client: Client, username: str, password: str) -> str:
    response = client.post(reverse("core:login"), {"username": username, "password": password})
    return response.url if response.status_code == 302 else "refused"


def test_county_admin_opens_no_page_or_endpoint_with_business_personal_data() -> None:
    pages = {name for name, view in html_endpoints()
             if view.allowed_roles is not None and Role.COUNTY_ADMIN in view.allowed_roles}
    endpoints = {name for name, _, _, f in api_endpoints() if Role.COUNTY_ADMIN in f.allowed_roles}
    assert pages - COUNTY_ADMIN_PAGES == set()
    assert endpoints - COUNTY_ADMIN_API == set()


def test_county_admin_cannot_read_import_or_confirm_crosscheck_findings(
        personas: dict[str, User], client: Client) -> None:
    client.force_login(personas["county_admin"])
    for url in ("/crosscheck/", "/crosscheck/findings/", "/crosscheck/datasets/",
                "/registry/", "/api/v1/crosscheck/findings", "/api/v1/persons"):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("crosscheck:confirm_class"),
                       {"kind": "deceased_alive"}).status_code == 403
    menu = client.get(reverse("core:home")).content.decode()
    assert "数据比对" not in menu and "残疾人基础库" not in menu


def test_new_account_must_change_its_password_at_first_sign_in(
        personas: dict[str, User], client: Client) -> None:
    admin = personas["county_admin"]
    services.user_create(actor=admin, username="newstaff", name="新同事", role=Role.COUNTY_STAFF,
                         region=admin.region, password="Adm1n-Chose-It")
    assert _login(client, "newstaff", "Adm1n-Chose-It") == reverse("core:home")
    # Every page but the password form leads to it; the API refuses.
    response = client.get("/registry/")
    assert response.status_code == 302 and response.url == reverse("core:password_change")
    assert client.get("/api/v1/persons").status_code == 403
    response = client.post(reverse("core:password_change"), {
        "old_password": "Adm1n-Chose-It", "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/registry/").status_code == 200
    client.post(reverse("core:logout"))
    assert _login(client, "newstaff", "Adm1n-Chose-It") == "refused"  # the admin's is dead


def test_admin_password_reset_forces_a_change_and_ends_tokens(
        personas: dict[str, User], client: Client) -> None:
    token = services.api_token_issue(user=personas["township_staff"])
    client.force_login(personas["county_admin"])
    url = reverse("core:user_password_reset", args=[personas["township_staff"].pk])
    response = client.post(url, {"password": "Temp-Pass-2026", "password_again": "Temp-Pass-2026"})
    assert response.status_code == 302
    chumi = User.objects.get(username="chumi")
    assert chumi.must_change_password and chumi.check_password("Temp-Pass-2026")
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGE, object_id=str(chumi.pk),
                                     actor=personas["county_admin"]).exists()
    client.logout()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_creating_an_administrator_account_needs_another_administrator_role(
        personas: dict[str, User], client: Client) -> None:
    admin = personas["county_admin"]
    client.force_login(admin)
    response = client.post(reverse("core:user_create"), {
        "username": "sec2", "name": "安全二", "role": Role.SECURITY_ADMIN,
        "region": admin.region_id, "password": "Kq7-Mora!Tz2"})
    assert response.status_code == 302
    assert not User.objects.filter(username="sec2").exists()  # not yet
    req = AccountRequest.objects.get()
    assert req.password_hash and "Kq7-Mora!Tz2" not in str(req.data)
    # The asker approves nothing; the 系统管理员 role may not approve at all.
    assert client.post(reverse("core:account_request_approve", args=[req.pk])).status_code == 403
    with pytest.raises(DomainError):
        services.account_request_approve(actor=admin, account_request=req)
    user = services.account_request_approve(actor=personas["auditor"], account_request=req)
    assert user.role == Role.SECURITY_ADMIN and user.must_change_password
    assert user.check_password("Kq7-Mora!Tz2")
    req.refresh_from_db()
    assert req.status == AccountRequestStatus.APPROVED and req.password_hash == ""
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="core.user",
                                     actor=personas["auditor"]).exists()
    assert AuditEvent.objects.filter(object_type="core.accountrequest").count() == 2
    with pytest.raises(DomainError, match="已处理"):
        services.account_request_approve(actor=personas["security_admin"], account_request=req)


def test_the_service_refuses_an_administrator_role_without_a_request(
        personas: dict[str, User]) -> None:
    admin = personas["county_admin"]
    with pytest.raises(DomainError, match="批准"):
        services.user_create(actor=admin, username="a2", name="管理二", role=Role.COUNTY_ADMIN,
                             region=admin.region, password="Adm2-Initial-1")
    with pytest.raises(DomainError, match="批准"):  # promoting a business account
        services.user_update(actor=admin, user=personas["leader"], name="领导",
                             role=Role.AUDITOR, region=admin.region, is_active=True)
    with pytest.raises(DomainError, match="批准"):  # resetting an administrator's password
        services.user_reset_password(actor=admin, user=personas["security_admin"],
                                     password="Temp-Pass-2026")


def test_changing_an_administrator_needs_someone_else_than_its_subject(
        personas: dict[str, User], client: Client) -> None:
    admin, auditor = personas["county_admin"], personas["auditor"]
    client.force_login(admin)
    client.post(reverse("core:user_edit", args=[auditor.pk]), {
        "username": auditor.username, "name": auditor.name, "role": Role.AUDITOR,
        "region": admin.region_id, "is_active": ""})  # deactivate the auditor
    assert User.objects.get(pk=auditor.pk).is_active
    req = AccountRequest.objects.get(kind=AccountRequestKind.UPDATE)
    with pytest.raises(DomainError):
        services.account_request_approve(actor=auditor, account_request=req)
    services.account_request_approve(actor=personas["security_admin"], account_request=req)
    assert not User.objects.get(pk=auditor.pk).is_active


def test_reset_of_an_administrator_password_goes_through_a_request(
        personas: dict[str, User], client: Client) -> None:
    security = personas["security_admin"]
    client.force_login(personas["county_admin"])
    client.post(reverse("core:user_password_reset", args=[security.pk]),
                {"password": "Temp-Pass-2026", "password_again": "Temp-Pass-2026"})
    assert User.objects.get(pk=security.pk).check_password(TEST_PASSWORD)
    req = AccountRequest.objects.get(kind=AccountRequestKind.RESET_PASSWORD)
    client.force_login(personas["auditor"])
    client.post(reverse("core:account_request_approve", args=[req.pk]))
    security.refresh_from_db()
    assert security.check_password("Temp-Pass-2026") and security.must_change_password


def test_rejecting_needs_a_reason_and_changes_nothing(personas: dict[str, User],
                                                      client: Client) -> None:
    admin = personas["county_admin"]
    req = services.account_request_submit(
        actor=admin, kind=AccountRequestKind.CREATE, region=admin.region, username="aud2",
        name="审计二", role=Role.AUDITOR, password="Lp4-Wend!Qa9")
    client.force_login(personas["security_admin"])
    client.post(reverse("core:account_request_reject", args=[req.pk]), {"reason": ""})
    assert AccountRequest.objects.get().status == AccountRequestStatus.PENDING
    client.post(reverse("core:account_request_reject", args=[req.pk]), {"reason": "人员未定"})
    req.refresh_from_db()
    assert req.status == AccountRequestStatus.REJECTED and req.reason == "人员未定"
    assert not User.objects.filter(username="aud2").exists()


def test_another_countys_administrator_cannot_approve(personas: dict[str, User],
                                                      client: Client) -> None:
    admin = personas["county_admin"]
    req = services.account_request_submit(
        actor=admin, kind=AccountRequestKind.CREATE, region=admin.region, username="aud3",
        name="审计三", role=Role.AUDITOR, password="Rt5-Sola!Xe3")
    client.force_login(personas["other_county_security"])
    assert client.post(reverse("core:account_request_approve", args=[req.pk])).status_code == 404


def test_a_server_command_creates_an_administrator_without_approval(db: None) -> None:
    user = services.user_create_on_server(
        username="firstadmin", name="首任管理员", role=Role.COUNTY_ADMIN,
        region=Region.objects.get(code="520322000000"), password="Kx9-Vault!Ch")
    assert user.must_change_password
    assert AuditEvent.objects.get(action=AuditAction.CREATE).actor_username == "manage.py"


def test_pending_administrator_request_waits_on_the_homes_of_those_who_may_decide(
        personas: dict[str, User], client: Client) -> None:
    """Issue #16 §9 for the 三员: a request about the auditor is the security admin's to-do,
    never the auditor's own (its subject) nor the asking 系统管理员's."""
    from canlian.core.permissions import can_decide_account_request
    from canlian.core.workbench import todos_for

    admin, auditor = personas["county_admin"], personas["auditor"]
    req = services.account_request_submit(
        actor=admin, kind=AccountRequestKind.RESET_PASSWORD, region=admin.region,
        target=auditor, password="Hq7-Bema!Tz4")
    for key in ("county_admin", "security_admin", "auditor", "other_county_security"):
        user = personas[key]
        shown = {todo.label: todo.count for todo in todos_for(user)}
        expected = 1 if can_decide_account_request(user, req) else 0
        assert shown.get("待审批的管理员账户申请", 0) == expected, key
    client.force_login(personas["security_admin"])
    page = client.get(reverse("core:home")).content.decode()
    assert "待审批的管理员账户申请 <strong>1</strong>" in page
    assert client.get(reverse("core:account_request_list")).status_code == 200
    assert todos_for(personas["security_admin"])[0].count == 1


def test_an_administrator_request_names_a_phone_it_does_not_keep(
        personas: dict[str, User], client: Client) -> None:
    """The request path used to drop a typed phone (even a malformed one) without a word."""
    admin = personas["county_admin"]
    client.force_login(admin)
    form = {"username": "aud9", "name": "审计九", "role": Role.AUDITOR,
            "region": admin.region_id, "password": "Lp4-Wend!Qa9", "id_number": ""}
    bad = client.post(reverse("core:user_create"), {**form, "phone": "12345"})
    assert "手机号应为 11 位数字" in bad.content.decode()
    kept = client.post(reverse("core:user_create"), {**form, "phone": "13800138000"})
    assert "管理员账户的申请不登记手机号" in kept.content.decode()
    assert not AccountRequest.objects.exists()
