from __future__ import annotations

from django.urls import path

from canlian.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("wards/", views.wards, name="wards"),
    path("notices/", views.notices, name="notices"),
    path("applications/<id:application_id>/", views.application_detail,
         name="application_detail"),
    path("applications/<id:application_id>/documents/<id:document_id>/",
         views.document_download, name="document_download"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<id:case_id>/", views.request_detail, name="request_detail"),
    path("requests/<id:case_id>/attachments/<id:attachment_id>/", views.request_attachment,
         name="request_attachment"),
]
