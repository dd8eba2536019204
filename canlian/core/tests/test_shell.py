"""The UI shell (issue #2 §7): menu by role, honest placeholders, persistent display modes,
security headers, masked identifiers on pages."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from canlian.core.menu import MODULES
from canlian.core.models import User
from canlian.core.roles import Role


def test_menu_lists_every_module_for_its_roles_only(personas: dict[str, User],
                                                    client: Client) -> None:
    client.force_login(personas["township_staff"])
    menu = client.get(reverse("core:home")).context["menu"]
    keys = {m.key for m in menu}
    assert {"registry", "certificates", "cases", "reports", "crosscheck"} <= keys
    assert not {"users", "audit", "security"} & keys
    client.force_login(personas["auditor"])
    menu = client.get(reverse("core:home")).context["menu"]
    assert [m.key for m in menu] == ["account_requests", "audit"]  # approves admin accounts


def test_every_design_module_has_a_menu_entry() -> None:
    """DESIGN.md lists 13 apps; every business one appears in the menu (portal for residents)."""
    keys = {m.key for m in MODULES}
    assert {"registry", "organizations", "certificates", "benefits", "assistance", "cases",
            "appraisals", "employment", "volunteers", "crosscheck", "reports", "portal"} <= keys


def test_unbuilt_module_says_it_is_being_built(personas: dict[str, User],
                                               client: Client) -> None:
    client.force_login(personas["county_staff"])
    page = client.get(reverse("core:module", args=["assistance"]))
    assert page.status_code == 200
    assert "建设中" in page.content.decode()


def test_built_module_entry_leads_to_its_page(personas: dict[str, User], client: Client) -> None:
    client.force_login(personas["county_admin"])
    response = client.get(reverse("core:module", args=["users"]))
    assert response.url == reverse("core:user_list")


def test_large_text_and_high_contrast_persist_on_the_account(personas: dict[str, User],
                                                             client: Client) -> None:
    client.force_login(personas["village_liaison"])
    client.post(reverse("core:preferences"), {"large_text": "1", "high_contrast": "0"})
    user = User.objects.get(pk=personas["village_liaison"].pk)
    assert user.large_text and not user.high_contrast
    page = client.get(reverse("core:home")).content.decode()
    assert 'class="large-text' in page or "large-text" in page.split("<body")[0]


def test_display_mode_before_sign_in_is_kept_in_a_cookie(client: Client) -> None:
    client.post(reverse("core:preferences"), {"large_text": "1", "high_contrast": "1",
                                              "next": reverse("core:login")})
    head = client.get(reverse("core:login")).content.decode().split("<body")[0]
    assert "large-text" in head and "high-contrast" in head


def test_security_headers_and_no_store_for_signed_in_pages(personas: dict[str, User],
                                                            client: Client) -> None:
    client.force_login(personas["leader"])
    response = client.get(reverse("core:home"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_county_admin_creates_a_user_with_error_messages_naming_the_field(
    personas: dict[str, User], client: Client
) -> None:
    client.force_login(personas["county_admin"])
    url = reverse("core:user_create")
    data = {"username": "newbie", "name": "新人", "role": Role.VILLAGE_LIAISON,
            "region": personas["village_liaison"].region_id, "phone": "12345",
            "id_number": "", "password": "Xy!12345pass"}
    bad = client.post(url, data)
    assert bad.status_code == 200
    assert "手机号应为 11 位数字" in bad.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    ok = client.post(url, {**data, "phone": "13912345678"})
    assert ok.status_code == 302
    assert User.objects.get(username="newbie").phone == "13912345678"


def test_county_admin_cannot_place_a_user_outside_the_county(personas: dict[str, User],
                                                            client: Client) -> None:
    client.force_login(personas["county_admin"])
    response = client.post(reverse("core:user_create"), {
        "username": "outsider", "name": "外县", "role": Role.LEADER,
        "region": personas["other_county_admin"].region_id, "password": "Xy!12345pass"})
    assert response.status_code == 200  # the region is not even a choice
    assert not User.objects.filter(username="outsider").exists()


def test_user_list_query_count_is_fixed(personas: dict[str, User], client: Client,
                                        make_user: object,
                                        django_assert_max_num_queries: object) -> None:
    for i in range(40):
        make_user(Role.LEADER, username=f"bulk{i}")  # type: ignore[operator]
    client.force_login(personas["county_admin"])
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get(reverse("core:user_list"))
    assert len(response.context["page"]) == 50


def test_messages_are_chinese_whatever_the_browser_asks_for(personas: dict[str, User],
                                                           client: Client) -> None:
    client.force_login(personas["county_admin"])
    page = client.post(reverse("core:user_create"), {"name": "某人"},
                       HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    text = page.content.decode()
    assert "这个字段是必填项" in text and "This field is required" not in text
