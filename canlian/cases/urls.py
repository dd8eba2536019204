from __future__ import annotations

from django.urls import path

from canlian.cases.views import cases, visits

app_name = "cases"

urlpatterns = [
    path("", visits.due_list, name="due_list"),
    path("visits/", visits.visit_list, name="visit_list"),
    path("visits/new/<id:person_id>/", visits.visit_create, name="visit_create"),
    path("visits/draft/<id:person_id>/", visits.visit_draft, name="visit_draft"),
    path("visits/<id:visit_id>/", visits.visit_detail, name="visit_detail"),
    path("visits/<id:visit_id>/photo/", visits.visit_photo, name="visit_photo"),
    path("needs/", visits.need_list, name="need_list"),
    path("needs/<id:need_id>/act/<slug:action>/", visits.need_action, name="need_action"),
    path("plans/", visits.plans, name="plans"),
    path("items/", cases.case_list, name="case_list"),
    path("items/new/", cases.case_create, name="case_create"),
    path("items/<id:case_id>/", cases.case_detail, name="case_detail"),
    path("items/<id:case_id>/act/<slug:action>/", cases.case_action, name="case_action"),
    path("items/<id:case_id>/attachments/<id:attachment_id>/", cases.attachment_download,
         name="attachment_download"),
    path("board/", cases.board, name="board"),
    path("board/export/", cases.board_export, name="board_export"),
]
