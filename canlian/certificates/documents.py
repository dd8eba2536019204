"""PDF documents: the acceptance receipt (受理回执) and the assessment notice (评定通知),
rendered by WeasyPrint with the Noto CJK fonts (STACK.md §4)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from canlian.certificates import selectors, workflow
from canlian.certificates.models import Application, Assessment, DocumentKind
from canlian.core.idnumbers import CATEGORY_LABELS, GRADE_LABELS, mask_id_number


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: a cold import costs about a second

    html = render_to_string(template, {**context, "printed_at": timezone.localtime()})
    return HTML(string=html).write_pdf()


def receipt_pdf(application: Application) -> bytes:
    received = [DocumentKind(k).label for k in workflow.materials_required(application)
                if k not in application.materials_missing]
    return _pdf("certificates/pdf/receipt.html", {
        "a": application, "masked_id": mask_id_number(application.id_number),
        "received": received,
        "missing": [DocumentKind(k).label for k in application.materials_missing],
        "timeline": selectors.application_timeline(application),
    })


def assessment_notice_pdf(application: Application, assessment: Assessment) -> bytes:
    components = [f"{CATEGORY_LABELS[c['category']]}{GRADE_LABELS[c['grade']]}"
                  for c in assessment.components]
    return _pdf("certificates/pdf/assessment_notice.html", {
        "a": application, "assessment": assessment, "components": components,
        "masked_id": mask_id_number(application.id_number),
    })
