"""Canlian settings, driven by the environment.

Every secret and deployment choice comes from an environment variable. For a local install,
`scripts/make_local_env.py` writes `var/local.env` (git-ignored) with generated keys; values in
the real environment win over that file. Missing secrets fail loudly at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_ENV_FILE = Path(os.environ.get("CANLIAN_LOCAL_ENV", BASE_DIR / "var" / "local.env"))


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


_FILE_ENV = _read_env_file(LOCAL_ENV_FILE)


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, _FILE_ENV.get(name, default))


def env_required(name: str) -> str:
    value = env(name)
    if not value:
        raise ImproperlyConfigured(
            f"环境变量 {name} 未设置。本地运行请先执行 `make install`（会生成 var/local.env），"
            f"生产环境请在部署配置中设置。"
        )
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


DEBUG = env_bool("CANLIAN_DEBUG", False)
# A demo on this machine (`make demo`): production settings and error pages, but plain http on
# 127.0.0.1 (no TLS redirect, no secure-only cookies, no HSTS). Never set it on a server:
# `manage.py check --deploy` fails with it (`make check-deploy`).
LOCAL_DEMO = env_bool("CANLIAN_LOCAL_DEMO", False)
SECRET_KEY = env_required("CANLIAN_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in (env("CANLIAN_ALLOWED_HOSTS") or "").split(",") if h.strip()]
if DEBUG or LOCAL_DEMO:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env("CANLIAN_CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()
]

# Field encryption (SM4) and blind index (HMAC-SM3) keys, hex encoded. See canlian/core/crypto.py.
FIELD_ENCRYPTION_KEY = env_required("CANLIAN_SM4_KEY")
BLIND_INDEX_KEY = env_required("CANLIAN_INDEX_KEY")

INSTALLED_APPS = [
    # First, so its management commands win: core's createsuperuser points to add_user.
    "canlian.core",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "canlian.registry",
    "canlian.benefits",
    "canlian.certificates",
    "canlian.portal",
    "canlian.organizations",
    "canlian.cases",
    "canlian.crosscheck",
    "canlian.appraisals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "canlian.core.middleware.AuditRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "canlian.core.middleware.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "canlian.core.middleware.SecurityHeadersMiddleware",
    "canlian.core.middleware.PendingSignInStepMiddleware",
]

ROOT_URLCONF = "canlian.urls"
WSGI_APPLICATION = "canlian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "canlian.core.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'canlian.sqlite3'}",
        conn_max_age=env_int("CANLIAN_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker write while the web process reads (DESIGN.md "Engines").
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation adds 0.2–0.9 s to each large statement, about what our set-based
    # statements take in total (bench/benefits.py at 1,000,000 persons): off.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [  # Chinese messages whatever the language (core/passwords.py)
    {"NAME": "canlian.core.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "canlian.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "canlian.core.passwords.CommonPasswordValidator"},
    {"NAME": "canlian.core.passwords.CharacterClassValidator"},
    {"NAME": "canlian.core.passwords.PersonalInfoValidator"},
]

# 等保 第三级 身份鉴别 (DOMAIN.md §7.1): limit failed logins, end idle sessions. Configurable.
LOGIN_MAX_FAILURES = env_int("CANLIAN_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("CANLIAN_LOGIN_LOCKOUT_MINUTES", 15)
# Per client address: failed sign-ins allowed per window, whatever the usernames (issue #17 §8).
LOGIN_IP_MAX_FAILURES = env_int("CANLIAN_LOGIN_IP_MAX_FAILURES", 20)
LOGIN_IP_WINDOW_MINUTES = env_int("CANLIAN_LOGIN_IP_WINDOW_MINUTES", 15)
API_TOKEN_DAYS = env_int("CANLIAN_API_TOKEN_DAYS", 90)  # API tokens expire (issue #17 §7)
SESSION_IDLE_MINUTES = env_int("CANLIAN_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Sliding expiry = idle timeout, refreshed at most once a minute and never by a poll
# (canlian.core.middleware.SessionIdleMiddleware).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not LOCAL_DEMO:
    SECURE_SSL_REDIRECT = env_bool("CANLIAN_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("CANLIAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("CANLIAN_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
# One locale (DESIGN.md "Pages"): no LocaleMiddleware, so a browser asking for English still
# gets Chinese messages.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("CANLIAN_STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_ROOT = Path(env("CANLIAN_MEDIA_ROOT") or BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Text messages to residents (canlian.core.sms); the console backend sends nothing out.
SMS_BACKEND = env("CANLIAN_SMS_BACKEND") or "canlian.core.sms.ConsoleBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("CANLIAN_LOG_LEVEL") or "INFO"},
}

# JSON API paging bounds: an absurd offset is a 422, never a database overflow.
NINJA_PAGINATION_MAX_OFFSET = 10**9
NINJA_PAGINATION_MAX_LIMIT = 200

# Background task workers (`manage.py task_worker`; docs/operations.md "Background tasks").
TASK_HEARTBEAT_SECONDS = env_int("CANLIAN_TASK_HEARTBEAT_SECONDS", 5)
TASK_LEASE_SECONDS = env_int("CANLIAN_TASK_LEASE_SECONDS", 90)
TASK_EXPORT_KEEP_DAYS = env_int("CANLIAN_TASK_EXPORT_KEEP_DAYS", 7)
TASK_RETRY_KEEP_DAYS = env_int("CANLIAN_TASK_RETRY_KEEP_DAYS", 3)
