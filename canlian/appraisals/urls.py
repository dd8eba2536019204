from __future__ import annotations

from django.urls import path

from canlian.appraisals import views

app_name = "appraisals"

urlpatterns = [
    path("", views.quarter_list, name="quarter_list"),
    path("compute/", views.quarter_compute, name="quarter_compute"),
    path("quarters/<id:quarter_id>/", views.quarter_detail, name="quarter_detail"),
    path("quarters/<id:quarter_id>/finalize/", views.quarter_finalize,
         name="quarter_finalize"),
    path("quarters/<id:quarter_id>/payment-list/", views.payment_list_export,
         name="payment_list_export"),
    path("results/<id:result_id>/", views.result_detail, name="result_detail"),
    path("results/<id:result_id>/scores/", views.result_scores, name="result_scores"),
    path("results/<id:result_id>/appeal/", views.appeal_file, name="appeal_file"),
    path("mine/", views.my_results, name="my_results"),
    path("appeals/", views.appeal_list, name="appeal_list"),
    path("appeals/<id:appeal_id>/decide/", views.appeal_decide, name="appeal_decide"),
    path("scheme/", views.scheme, name="scheme"),
    path("scheme/new/", views.scheme_new, name="scheme_new"),
]
