from __future__ import annotations

from django.urls import path

from canlian.registry import guardian_views, views

app_name = "registry"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("import/", views.person_import, name="person_import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<uuid:task_id>/", views.import_result, name="import_result"),
    path("export/", views.person_export, name="person_export"),
    path("changes/", views.change_list, name="change_list"),
    path("changes/<id:change_id>/", views.change_detail, name="change_detail"),
    path("guardians/", guardian_views.link_list, name="guardian_list"),
    path("guardians/<id:link_id>/", guardian_views.link_detail, name="guardian_detail"),
    path("settings/approval/", views.approval_settings, name="approval_settings"),
    path("<id:person_id>/", views.person_detail, name="person_detail"),
    path("<id:person_id>/edit/", views.person_edit, name="person_edit"),
    path("<id:person_id>/reveal/<slug:field>/", views.person_reveal, name="person_reveal"),
]
