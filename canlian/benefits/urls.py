from __future__ import annotations

from django.urls import path

from canlian.benefits.views import catalog, enrolments, ledger, payroll, runs

app_name = "benefits"

urlpatterns = [
    path("", catalog.policy_list, name="policy_list"),
    path("policies/<slug:code>/", catalog.policy_detail, name="policy_detail"),
    path("policies/<slug:code>/rule/", catalog.policy_rule_edit, name="policy_rule_edit"),
    path("runs/", runs.run_list, name="run_list"),
    path("runs/<id:run_id>/", runs.run_detail, name="run_detail"),
    path("runs/<id:run_id>/<slug:kind>/", runs.gap_list, name="gap_list"),
    path("runs/<id:run_id>/<slug:kind>/export/", runs.gap_export, name="gap_export"),
    path("enrolments/", enrolments.enrolment_list, name="enrolment_list"),
    path("enrolments/<id:enrolment_id>/", enrolments.enrolment_detail, name="enrolment_detail"),
    path("apply/<id:person_id>/", enrolments.enrolment_create, name="enrolment_create"),
    path("notice/", enrolments.notice, name="notice"),
    path("notice/export.<str:fmt>", enrolments.notice_export, name="notice_export"),
    path("payroll/", payroll.batch_list, name="batch_list"),
    path("payroll/<id:batch_id>/", payroll.batch_detail, name="batch_detail"),
    path("payroll/<id:batch_id>/approve/", payroll.batch_approve, name="batch_approve"),
    path("payroll/<id:batch_id>/set-aside/", payroll.batch_set_aside, name="batch_set_aside"),
    path("accounts/import/", ledger.account_import, name="account_import"),
    path("payroll/<id:batch_id>/bank-file/", payroll.batch_bank_file, name="batch_bank_file"),
    path("payroll/<id:batch_id>/lines/<id:line_id>/reissue/", payroll.line_reissue,
         name="line_reissue"),
    path("overpayments/", payroll.overpayment_list, name="overpayment_list"),
    path("overpayments/<id:overpayment_id>/", payroll.overpayment_settle,
         name="overpayment_settle"),
    path("ledger/", ledger.ledger_overview, name="ledger"),
    path("person/<id:person_id>/", ledger.person_benefits, name="person_benefits"),
    path("mine/", ledger.my_benefits, name="my_benefits"),
    path("mine/apply/", ledger.my_benefits_apply, name="my_benefits_apply"),
]
