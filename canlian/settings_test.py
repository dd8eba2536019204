"""Settings for the test suite: the real settings with fast hashing and fixed test keys."""

from __future__ import annotations

import os

os.environ.setdefault("CANLIAN_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("CANLIAN_SM4_KEY", "00112233445566778899aabbccddeeff")
os.environ.setdefault(
    "CANLIAN_INDEX_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
)
os.environ.setdefault("CANLIAN_DEBUG", "0")
os.environ.setdefault("CANLIAN_SSL_REDIRECT", "0")

from canlian.settings import *  # noqa: F403

# Argon2 costs ~0.4 s per hash (STACK.md §1); tests hash thousands of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Manifest storage breaks live_server pages (STACK.md §1).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Jobs run inline, except in the fault tests' subprocesses, which use the real queue and worker
# (canlian/core/tests/sitekit.py).
TASKS = {"default": {"BACKEND": os.environ.get("CANLIAN_TEST_TASK_BACKEND",
                                               "django_tasks.backends.immediate.ImmediateBackend")}}
WHITENOISE_USE_FINDERS = True
