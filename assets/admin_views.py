"""The asset's admin pages beyond the model form: the media page's context, the upload page, the
appearance writes and the credentials tree. Every write is a call to an assets service with the
signed-in user as the actor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from assets import services
from assets.admin_forms import AppearanceForm, AssetUploadForm
from assets.admin_media import (
    BROWSER_IMAGES,
    credentials_badge,
    frame_rate,
    human_duration,
    human_size,
    local_time,
    relatives,
    status_badge,
    timecode,
    url_or_none,
    use_choices,
)
from assets.choices import AssetKind
from assets.models import Appearance, Asset
from studio.choices import ScopeAction
from studio.exceptions import Conflict, PayloadTooLarge
from studio.scoping import has_production_access

REFUSALS = (ValidationError, PermissionDenied, Conflict, PayloadTooLarge)


def refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return " ".join(m for messages_ in exc.message_dict.values() for m in messages_)
    return " ".join(getattr(exc, "messages", [str(exc)]))


def scoped_asset(queryset, asset_id) -> Asset:
    asset = queryset.filter(pk=asset_id).first()
    if asset is None:
        raise Http404("No such asset.")
    return asset


def redirect_to_upload():
    return redirect("admin:assets_asset_upload")


def _page(asset: Asset, anchor: str = "") -> str:
    return reverse("admin:assets_asset_change", args=[asset.pk]) + anchor


# The media page


def _picture(asset: Asset) -> dict:
    api = {name: reverse(f"v1:asset-{name}", args=[asset.pk]) for name in ("original", "proxy")}
    if asset.kind == AssetKind.VIDEO:
        return {"video_url": api["proxy"] if asset.proxy_key else None}
    if asset.kind == AssetKind.IMAGE:
        if asset.proxy_key:
            return {"image_url": api["proxy"]}
        if asset.mime_type in BROWSER_IMAGES:
            return {"image_url": api["original"]}
    return {}


def _facts(asset: Asset) -> list[tuple[str, object]]:
    rows = [
        ("Production", asset.production.code),
        ("Kind", asset.get_kind_display()),
        ("Origin", asset.get_origin_display()),
        ("Size", human_size(asset.size)),
    ]
    if asset.duration_seconds is not None:
        rows.append(("Duration", human_duration(asset.duration_seconds)))
    if asset.width and asset.height:
        rows.append(("Frame", f"{asset.width} × {asset.height}"))
    if asset.fps:
        rate = f"{float(frame_rate(asset) or 0):.3f}".rstrip("0").rstrip(".")
        rows.append(("Frame rate", f"{rate} fps"))
    return [*rows, ("Ingested", local_time(asset.created_at)), ("By", asset.ingested_by)]


def _headline(asset: Asset):
    parts = [asset.production.code, asset.get_kind_display(), human_size(asset.size)]
    if asset.duration_seconds is not None:
        parts.append(human_duration(asset.duration_seconds))
    return format_html("{} · ingested {}", " · ".join(parts), local_time(asset.created_at))


def _technical(asset: Asset) -> list[tuple[str, object]]:
    audio = ", ".join(
        str(v)
        for v in (
            asset.audio_codec,
            asset.audio_channels and f"{asset.audio_channels} ch",
            asset.audio_sample_rate and f"{asset.audio_sample_rate} Hz",
        )
        if v
    )
    rows = [
        ("SHA-256", asset.sha256),
        ("MIME type", asset.mime_type),
        ("Bytes", f"{asset.size:,}"),
        ("Codec", asset.codec or "—"),
        ("Audio", audio or "—"),
        ("Frame rate (exact)", asset.fps or "—"),
        ("Frames", asset.frame_count if asset.frame_count is not None else "—"),
        ("Duration (s)", asset.duration_seconds if asset.duration_seconds is not None else "—"),
        ("C2PA state", asset.get_c2pa_state_display()),
        ("Active manifest", asset.c2pa_active_manifest or "—"),
        ("C2PA codes", ", ".join(asset.c2pa_failure_codes) or "—"),
        ("Stored as", asset.storage_key),
        ("Updated", local_time(asset.updated_at)),
    ]
    rows += [(f"{key}", value) for key, value in sorted(asset.technical.items())]
    return rows


def _appearances(asset: Asset, *, editable: bool) -> list[dict]:
    rate = frame_rate(asset)
    rows = []
    for appearance in asset.appearances.select_related("person", "asset"):
        rows.append(
            {
                "appearance": appearance,
                "start": timecode(appearance.start_seconds, rate),
                "end": timecode(appearance.end_seconds, rate),
                "form": AppearanceForm.for_appearance(appearance) if editable else None,
                "action": reverse(
                    "admin:assets_asset_appearance_change", args=[asset.pk, appearance.pk]
                ),
            }
        )
    return rows


def _links(request: HttpRequest, asset: Asset) -> dict:
    user, production = request.user, asset.production
    links = {
        "download_url": reverse("v1:asset-original", args=[asset.pk]),
        "credentials_url": reverse("admin:assets_asset_credentials", args=[asset.pk]),
    }
    if user.has_perm("editing.add_editjob") and asset.kind in (AssetKind.VIDEO, AssetKind.IMAGE):
        links["edit_url"] = url_or_none("admin:editing_editjob_request", query={"asset": asset.pk})
    if user.has_perm("licensing.add_clearancerequest"):
        links["clearance_url"] = url_or_none(
            "admin:licensing_clearancerequest_add",
            query={"production": production.pk, "assets": asset.pk},
        )
    # The graph names licenses and consents: legal's read side, for those who may audit.
    if has_production_access(user, production.pk, ScopeAction.AUDIT):
        links["provenance_url"] = url_or_none("provenance", asset.pk)
    return links


def media_page(request: HttpRequest, asset: Asset) -> dict:
    """The change page's context: the picture or player, people, rights, lineage, links."""
    editable = has_production_access(request.user, asset.production_id, ScopeAction.CHANGE)
    parents, children = relatives(asset, user=request.user)
    rate = frame_rate(asset)
    return {
        "title": asset.original_filename,
        "subtitle": None,
        "asset": asset,
        "status_badge": status_badge(asset),
        "credentials_badge": credentials_badge(asset),
        "fps": float(rate) if rate else None,
        "nominal_fps": round(rate) if rate else None,
        "duration_timecode": timecode(asset.duration_seconds, rate),
        "headline": _headline(asset),
        "facts": _facts(asset),
        "technical": _technical(asset),
        "appearances": _appearances(asset, editable=editable),
        "appearance_form": AppearanceForm(asset=asset, prefix="new") if editable else None,
        "appearance_add_url": reverse("admin:assets_asset_appearance_add", args=[asset.pk]),
        "can_edit_people": editable,
        "parents": parents,
        "children": children,
        "use_choices": use_choices(),
        "check_url": url_or_none("v1:clearance-check"),
        "today": timezone.localdate().isoformat(),
        **_picture(asset),
        **_links(request, asset),
    }


def credentials_page(model_admin, request: HttpRequest, asset: Asset):
    reading = services.asset_credentials(asset=asset)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Content Credentials of {asset}",
        "asset": asset,
        "reading": reading,
        "tree": reading.as_dict()["chain"],
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/assets/credentials.html", context)


# Appearances


def _save(request: HttpRequest, asset: Asset, form: AppearanceForm, write, done: str):
    if not form.is_valid():
        errors = [
            f"{form[name].label}: {error}"
            if name in form.fields and "This field" in error
            else error
            for name, field_errors in form.errors.items()
            for error in field_errors
        ]
        messages.error(request, f"Appearance not saved: {' '.join(errors)}")
        return redirect(_page(asset, "#people"))
    try:
        write()
    except REFUSALS as exc:
        messages.error(request, f"Appearance not saved: {refusal_text(exc)}")
    else:
        messages.success(request, f"{form.cleaned_data['person'].name}: appearance {done}.")
    return redirect(_page(asset, "#people"))


@require_POST
def appearance_add(request: HttpRequest, asset: Asset):
    form = AppearanceForm(request.POST, asset=asset, prefix="new")
    return _save(
        request,
        asset,
        form,
        lambda: services.appearance_create(
            actor=request.user, asset=asset, person=form.cleaned_data["person"], **form.ranges()
        ),
        "added",
    )


@require_POST
def appearance_change(request: HttpRequest, asset: Asset, appearance_id: int):
    appearance = (
        Appearance.objects.restrict(request.user)
        .select_related("person", "asset__production")
        .filter(pk=appearance_id, asset=asset)
        .first()
    )
    if appearance is None:
        raise Http404("No such appearance.")
    if "remove" in request.POST:
        try:
            services.appearance_delete(actor=request.user, appearance=appearance)
        except REFUSALS as exc:
            messages.error(request, f"Appearance not removed: {refusal_text(exc)}")
        else:
            messages.success(request, f"{appearance.person.name}: appearance removed.")
        return redirect(_page(asset, "#people"))
    form = AppearanceForm(request.POST, asset=asset, prefix=f"a{appearance.pk}")
    return _save(
        request,
        asset,
        form,
        lambda: services.appearance_update(
            actor=request.user,
            appearance=appearance,
            person=form.cleaned_data["person"],
            **form.ranges(),
        ),
        "changed",
    )


# Upload


def _ingest(request: HttpRequest, form: AssetUploadForm, upload) -> services.IngestResult:
    """One file and its people: both saved, or neither (the upload's people were checked first)."""
    with transaction.atomic():
        result = services.asset_ingest(
            actor=request.user,
            production=form.cleaned_data["production"],
            source=upload.file,
            filename=upload.name,
            origin=form.cleaned_data["origin"],
        )
        services.appearance_create_many(
            actor=request.user, asset=result.asset, people=list(form.cleaned_data["people"])
        )
    return result


def _outcome(result: services.IngestResult) -> dict:
    asset = result.asset
    verb = "Ingested" if result.created else "Already in the library:"
    return {
        "ok": True,
        "name": asset.original_filename,
        "created": result.created,
        "asset": asset.pk,
        "url": _page(asset),
        "message": f"{verb} {asset.original_filename}",
        "people": asset.appearances.count(),
    }


def _ingest_all(request, form) -> tuple[list[dict], list[str]]:
    done, failed = [], []
    for upload in form.cleaned_data["file"]:
        try:
            done.append(_outcome(_ingest(request, form, upload)))
        except REFUSALS as exc:
            failed.append(f"{upload.name}: {refusal_text(exc)}")
    return done, failed


def upload(model_admin, request: HttpRequest):
    """Several files at once; upload.js sends them one per request and asks for JSON back."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = AssetUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        done, failed = _ingest_all(request, form)
        if wants_json:
            return JsonResponse(
                {"files": done, "errors": {"file": failed}}, status=400 if failed else 200
            )
        for outcome in done:
            messages.success(request, outcome["message"])
        if not failed:
            return redirect(done[0]["url"] if len(done) == 1 else "admin:assets_asset_changelist")
        for failure in failed:
            form.add_error("file", failure)
    elif request.method == "POST" and wants_json:
        return JsonResponse({"files": [], "errors": form.errors}, status=400)
    context = {
        **model_admin.admin_site.each_context(request),
        "form": form,
        "title": "Upload footage",
        "opts": model_admin.model._meta,
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/assets/upload.html", context)
