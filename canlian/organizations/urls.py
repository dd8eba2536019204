from __future__ import annotations

from django.urls import path

from canlian.organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<id:unit_id>/", views.unit_detail, name="unit_detail"),
    path("units/<id:unit_id>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<id:unit_id>/holders/new/", views.holding_create, name="holding_create"),
    path("holders/<id:holding_id>/end/", views.holding_end, name="holding_end"),
    path("holders/import/", views.holders_import, name="holders_import"),
    path("holders/export/", views.holders_export, name="holders_export"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<id:member_id>/", views.member_detail, name="member_detail"),
    path("members/<id:member_id>/edit/", views.member_edit, name="member_edit"),
    path("members/<id:member_id>/reveal/", views.member_reveal, name="member_reveal"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("composition/", views.composition, name="composition"),
    path("composition/thresholds/", views.thresholds, name="thresholds"),
    path("directory/", views.directory, name="directory"),
    path("trainings/", views.training_list, name="training_list"),
    path("trainings/new/", views.training_create, name="training_create"),
    path("trainings/<id:session_id>/", views.training_detail, name="training_detail"),
    path("trainings/<id:session_id>/attendance/", views.training_attendance,
         name="training_attendance"),
    path("grassroots/", views.grassroots, name="grassroots"),
    path("grassroots/new/", views.grassroots_create, name="grassroots_create"),
]
