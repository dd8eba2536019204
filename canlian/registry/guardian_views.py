"""Staff pages of guardian links (监护关系核实): the requests of the jurisdiction, and one
request's decision (verify, or decline with a reason the resident reads)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.idnumbers import mask_id_number
from canlian.core.views.paging import paginate
from canlian.registry import guardians
from canlian.registry.models import GuardianLinkStatus


@roles_required(guardians.VERIFY_ROLES)
def link_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", GuardianLinkStatus.PENDING)
    if status not in GuardianLinkStatus.values:
        status = GuardianLinkStatus.PENDING
    links = guardians.links_for(actor=request.user, status=status)
    return render(request, "registry/guardian_list.html", {
        **paginate(request, links, 50), "status": status,
        "statuses": GuardianLinkStatus.choices})


@roles_required(guardians.VERIFY_ROLES)
def link_detail(request: HttpRequest, link_id: int) -> HttpResponse:
    link = guardians.link_get_for(actor=request.user, link_id=link_id)
    if request.method == "POST":
        note = request.POST.get("note", "")
        try:
            if request.POST.get("decision") == "verify":
                guardians.guardian_link_verify(actor=request.user, link=link, note=note,
                                               request=request)
                messages.success(request, f"已核实，{link.user.name} 可以为 {link.name} 办事。")
            else:
                guardians.guardian_link_reject(actor=request.user, link=link, reason=note,
                                               request=request)
                messages.success(request, "已记录未通过及原因，申请人可在“我的被监护人”中看到。")
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("registry:guardian_detail", link_id=link.pk)
        return redirect("registry:guardian_list")
    return render(request, "registry/guardian_detail.html", {
        "link": link, "can_decide": link.status == GuardianLinkStatus.PENDING,
        "masked_id": mask_id_number(link.id_number),
        "name_differs": link.person is not None and link.person.name != link.name})
