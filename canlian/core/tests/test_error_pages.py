"""Error pages are the site's own, in Chinese, accessible, and the demo shows them (issue 16
§17): `make demo` runs with production settings (no debug pages, static files collected and
served by WhiteNoise) on plain http://127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from canlian.core.models import User

ENGLISH = ("Page not found", "Forbidden", "Server Error", "URLconf", "Traceback", "CSRF",
           "Bad Request")


def _accessible_chinese_page(html: str) -> None:
    assert '<html lang="zh-CN"' in html
    assert '<main id="main"' in html and 'class="skip-link" href="#main"' in html
    assert "<h1>" in html and "智慧残联综合服务平台" in html
    assert not [word for word in ENGLISH if word in html]


@pytest.mark.parametrize("signed_in", [False, True])
def test_unknown_address_shows_the_chinese_404_page(personas: dict[str, User], client: Client,
                                                    signed_in: bool) -> None:
    if signed_in:
        client.force_login(personas["county_staff"])
    response = client.get("/registry/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _accessible_chinese_page(html)
    assert "没有找到该页面或记录" in html and "不在您的管辖范围内" in html
    assert ('aria-label="主菜单"' in html) is signed_in  # the site's layout, with its menu


def test_wrong_role_shows_the_chinese_403_page(personas: dict[str, User],
                                               client: Client) -> None:
    client.force_login(personas["leader"])
    response = client.get(reverse("core:user_list"))
    assert response.status_code == 403
    html = response.content.decode()
    _accessible_chinese_page(html)
    assert "无权访问" in html and 'aria-label="主菜单"' in html


@pytest.mark.urls("canlian.core.tests.error_urls")
def test_a_failure_shows_the_chinese_500_page(personas: dict[str, User]) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(personas["county_staff"])
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    _accessible_chinese_page(html)
    assert "系统出错" in html and "a bug" not in html


def test_a_stale_form_shows_the_chinese_csrf_page(personas: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("core:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    _accessible_chinese_page(html)
    assert "页面已过期" in html


def test_a_bad_host_shows_the_chinese_400_page(client: Client) -> None:
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    _accessible_chinese_page(response.content.decode())


def test_new_local_env_runs_the_demo_without_debug(tmp_path: Path) -> None:
    target = tmp_path / "local.env"
    subprocess.run([sys.executable, "scripts/make_local_env.py", str(target)],
                   cwd=settings.BASE_DIR, check=True, capture_output=True)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert "CANLIAN_DEBUG=0" in lines and "CANLIAN_LOCAL_DEMO=1" in lines
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    assert "DEMO_ENV := CANLIAN_DEBUG=0 CANLIAN_LOCAL_DEMO=1" in makefile


DEMO_CHECK = """
import json
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
call_command("collectstatic", interactive=False, verbosity=0)
client = Client()
css = static("core/css/canlian.css")
missing = client.get("/no-such-page/", HTTP_HOST="127.0.0.1:8000")
styles = client.get(css, HTTP_HOST="127.0.0.1:8000")
login = client.get("/login/", HTTP_HOST="127.0.0.1:8000")
print(json.dumps({
    "debug": settings.DEBUG, "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "secure_cookie": settings.SESSION_COOKIE_SECURE, "hsts": settings.SECURE_HSTS_SECONDS,
    "css": css, "missing": [missing.status_code, missing.content.decode()],
    "styles": [styles.status_code, styles.get("Content-Type", "")],
    "login": login.status_code,
}))
"""


def test_the_demo_settings_show_chinese_pages_and_serve_static_files_on_local_http(
        tmp_path: Path) -> None:
    env = {**os.environ, "CANLIAN_LOCAL_ENV": "/dev/null", "DJANGO_SETTINGS_MODULE":
           "canlian.settings", "CANLIAN_DEBUG": "0", "CANLIAN_LOCAL_DEMO": "1",
           "CANLIAN_STATIC_ROOT": str(tmp_path / "static"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
           "CANLIAN_SECRET_KEY": "demo-check-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
           "CANLIAN_SM4_KEY": "00112233445566778899aabbccddeeff",
           "CANLIAN_INDEX_KEY": "0f" * 32}
    env.pop("CANLIAN_SSL_REDIRECT", None)
    out = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + DEMO_CHECK],
                         cwd=settings.BASE_DIR, env=env, check=True, capture_output=True,
                         text=True, timeout=600).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["debug"] is False
    assert (result["ssl_redirect"], result["secure_cookie"], result["hsts"]) == (False, False, 0)
    status, html = result["missing"]
    assert status == 404 and "没有找到该页面或记录" in html and "URLconf" not in html
    assert result["css"] in html  # the collected, hashed stylesheet …
    assert result["css"] != "/static/core/css/canlian.css"
    assert result["styles"][0] == 200 and result["styles"][1].startswith("text/css")  # … served
    assert result["login"] == 200  # plain http, no redirect to https
