from __future__ import annotations

from django.urls import path

from canlian.crosscheck import survey_views, views

app_name = "crosscheck"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/export/", views.finding_export, name="finding_export"),
    path("findings/confirm-class/", views.confirm_class, name="confirm_class"),
    path("findings/<id:finding_id>/", views.finding_detail, name="finding_detail"),
    path("candidates/", views.candidate_list, name="candidate_list"),
    path("candidates/<id:candidate_id>/", views.candidate_decide, name="candidate_decide"),
    path("datasets/", views.dataset_list, name="dataset_list"),
    path("datasets/import/", views.dataset_import, name="dataset_import"),
    path("datasets/<id:dataset_id>/", views.dataset_detail, name="dataset_detail"),
    path("survey/", survey_views.survey_home, name="survey_home"),
    path("survey/person/<id:person_id>/", survey_views.survey_person, name="survey_person"),
    path("survey/import/", survey_views.survey_import, name="survey_import"),
    path("survey/proposals/", survey_views.proposal_list, name="proposal_list"),
    path("survey/proposals/<id:proposal_id>/", survey_views.proposal_decide,
         name="proposal_decide"),
]
