"""The withdraw page: legal pulls tainted outputs (or, with an override reason, clean ones).

Reached from the tainted report, the legal dashboard and the footage list's action; every
withdrawal goes through ``assets.services.asset_withdraw`` with the signed-in user as the actor.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from assets.choices import AssetStatus
from assets.models import Asset
from assets.services import asset_withdraw
from legal.home import is_legal, status
from licensing.services.taint import tainted_asset_causes
from studio.admin_base import SERVICE_ERRORS
from studio.admin_pages import refused
from studio.choices import ScopeAction
from studio.forms import add_refusal
from studio.values import row_id

LIMIT = 500


class WithdrawForm(forms.Form):
    asset = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(), widget=forms.CheckboxSelectMultiple, label="Assets"
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Told to the MAMs and kept with each asset.",
    )
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        required=False,
        label="Override reason",
        help_text="Needed only for assets that are not tainted: why they are pulled anyway.",
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = candidates


def _candidates(request):
    """The footage this user may withdraw: the named assets, or every tainted one."""
    assets = Asset.objects.restrict(request.user, ScopeAction.LEGAL).select_related("production")
    named = [
        pk
        for pk in map(row_id, request.GET.getlist("asset") + request.POST.getlist("asset"))
        if pk is not None
    ]
    if named:
        return assets.filter(pk__in=named).order_by("pk")
    return assets.filter(status=AssetStatus.TAINTED).order_by("production__code", "pk")[:LIMIT]


@login_required(login_url="admin:login")
def withdraw_page(request):
    if not is_legal(request):
        return refused(
            request,
            "Only legal staff withdraw footage. Ask the production's legal team if an output must "
            "be pulled.",
            title="Legal staff only",
        )
    candidates = _candidates(request)
    ids = list(candidates.values_list("pk", flat=True))
    pool = Asset.objects.filter(pk__in=ids)
    if request.method != "POST":
        return _page(request, WithdrawForm(initial={"asset": ids}, candidates=pool), candidates)
    form = WithdrawForm(request.POST, candidates=pool)
    if form.is_valid():
        try:
            done = asset_withdraw(
                actor=request.user,
                assets=list(form.cleaned_data["asset"]),
                reason=form.cleaned_data["reason"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except SERVICE_ERRORS as exc:
            add_refusal(form, exc)
        else:
            messages.success(
                request, f"Withdrew {len(done)} asset(s); downloads stop and MAMs are told."
            )
            return redirect(reverse("legal-report", args=["tainted"]))
    return _page(request, form, candidates)


def _page(request, form, candidates):
    assets = list(candidates)
    causes = tainted_asset_causes([a.pk for a in assets])
    rows = [
        {
            "asset": asset,
            "checked": str(asset.pk) in {str(v) for v in (form["asset"].value() or [])},
            "status": status(asset.status, asset.get_status_display()),
            "tainted": asset.status == AssetStatus.TAINTED,
            "cause": "; ".join(r.reason for r in causes.get(asset.pk, [])) or asset.status_reason,
        }
        for asset in assets
    ]
    context = {
        **admin.site.each_context(request),
        "title": "Withdraw footage",
        "form": form,
        "rows": rows,
        "clean": [r["asset"] for r in rows if not r["tainted"]],
    }
    return TemplateResponse(request, "legal/withdraw.html", context)
