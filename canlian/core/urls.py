from __future__ import annotations

from django.urls import path

from canlian.core.views import audit, auth, calendar, home, users

app_name = "core"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("login/otp/", auth.login_otp, name="login_otp"),
    path("otp/enrol/", auth.otp_enrol, name="otp_enrol"),
    path("logout/", auth.logout_view, name="logout"),
    path("password/", auth.password_change, name="password_change"),
    path("preferences/", auth.preferences, name="preferences"),
    path("modules/<slug:key>/", home.module_placeholder, name="module"),
    path("tasks/<uuid:task_id>/", home.task_progress, name="task_progress"),
    path("tasks/<uuid:task_id>/download/", home.task_download, name="task_download"),
    path("tasks/<uuid:task_id>/retry/", home.task_retry, name="task_retry"),
    path("users/", users.user_list, name="user_list"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<id:user_id>/", users.user_detail, name="user_detail"),
    path("users/<id:user_id>/edit/", users.user_edit, name="user_edit"),
    path("users/<id:user_id>/reveal/<slug:field>/", users.user_reveal, name="user_reveal"),
    path("users/<id:user_id>/unlock/", users.user_unlock, name="user_unlock"),
    path("users/<id:user_id>/password/", users.user_password_reset,
         name="user_password_reset"),
    path("users/requests/", users.account_request_list, name="account_request_list"),
    path("users/requests/<id:request_id>/approve/", users.account_request_approve,
         name="account_request_approve"),
    path("users/requests/<id:request_id>/reject/", users.account_request_reject,
         name="account_request_reject"),
    path("security/", users.security, name="security"),
    path("security/otp-reset/", users.otp_reset, name="otp_reset"),
    path("security/tokens/<id:token_id>/revoke/", users.token_revoke, name="token_revoke"),
    path("regions/", users.region_list, name="region_list"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("audit/", audit.audit_list, name="audit_list"),
    path("audit/export/", audit.audit_export, name="audit_export"),
    path("keepalive/", home.keepalive, name="keepalive"),
    path("health/", home.health, name="health"),
]
