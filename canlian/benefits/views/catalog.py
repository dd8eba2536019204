"""The policy catalog and the rule editor (county_admin) with a preview count."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from canlian.benefits import catalog, selectors
from canlian.benefits.eligibility import eligible_persons, scope_prefix
from canlian.benefits.forms import RuleForm
from canlian.benefits.months import this_month
from canlian.benefits.permissions import CATALOG_VIEW_ROLES, RULE_EDIT_ROLES, can_edit_rules
from canlian.benefits.rules import FIELDS, RuleError, parse
from canlian.core.access import roles_required
from canlian.core.errors import DomainError


@roles_required(CATALOG_VIEW_ROLES)
def policy_list(request: HttpRequest) -> HttpResponse:
    return render(request, "benefits/policy_list.html", {
        "policies": selectors.policies_for(request.user),
        "month": this_month(),
    })


@roles_required(CATALOG_VIEW_ROLES)
def policy_detail(request: HttpRequest, code: str) -> HttpResponse:
    policy = selectors.policy_get(actor=request.user, code=code)
    versions = sorted(policy.rule_versions.all(), key=lambda v: -v.number)
    return render(request, "benefits/policy_detail.html", {
        "policy": policy, "versions": versions, "current": versions[0] if versions else None,
        "rates": sorted(policy.rates.all(), key=lambda r: (r.order, r.pk)),
        "budgets": sorted(policy.budgets.all(), key=lambda b: -b.year),
        "can_edit": can_edit_rules(request.user),
    })


@roles_required(RULE_EDIT_ROLES)
def policy_rule_edit(request: HttpRequest, code: str) -> HttpResponse:
    policy = selectors.policy_get(actor=request.user, code=code)
    current = catalog.current_rule_version(policy)
    form = RuleForm(request.POST or None, initial={"text": current.text})
    preview = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        try:
            rule = parse(text)
            if request.POST.get("action") == "save":
                version = catalog.policy_rule_save(actor=request.user, policy=policy, text=text,
                                                   note=form.cleaned_data["note"])
                messages.success(request, f"已保存为第 {version.number} 版规则。")
                return redirect("benefits:policy_detail", code=policy.code)
            month = form.cleaned_data["month"] or this_month()
            prefix = scope_prefix(policy, request.user.region) or policy.region.prefix
            preview = {"month": month,
                       "count": eligible_persons(policy, month, prefix=prefix, rule=rule).count(),
                       "current": eligible_persons(policy, month, prefix=prefix).count(),
                       "verify": rule.needs_verification}
        except RuleError as error:
            form.add_error("text", error.message)
        except DomainError as error:
            form.add_domain_error(error)
    return render(request, "benefits/policy_rule_edit.html", {
        "policy": policy, "form": form, "current": current, "preview": preview,
        "fields": FIELDS,
    })
