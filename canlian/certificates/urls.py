from __future__ import annotations

from django.urls import path

from canlian.certificates import views

app_name = "certificates"

urlpatterns = [
    path("", views.application_list, name="application_list"),
    path("new/", views.application_create, name="application_create"),
    path("deadlines/", views.deadline_list, name="deadline_list"),
    path("expiring/", views.expiring_list, name="expiring_list"),
    path("statistics/", views.statistics, name="statistics"),
    path("travel/", views.travel_assumptions, name="travel_assumptions"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/<id:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path("<id:application_id>/", views.application_detail, name="application_detail"),
    path("<id:application_id>/act/<slug:action>/", views.application_action,
         name="application_action"),
    path("<id:application_id>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("<id:application_id>/assessment-notice.pdf", views.assessment_notice_pdf,
         name="assessment_notice_pdf"),
    path("<id:application_id>/documents/<id:document_id>/", views.document_download,
         name="document_download"),
]
