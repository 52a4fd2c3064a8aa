from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from assets import services
from assets.choices import AssetOrigin, AssetStatus, C2paState
from assets.models import Appearance, Asset, Person
from studio.admin import ScopedAdminMixin, ServiceAdmin
from studio.admin_badges import BLUE, GREEN, GREY, LIGHT_GREY, ORANGE, RED, choice_badge
from studio.choices import ScopeAction
from studio.exceptions import Conflict, PayloadTooLarge
from studio.models import Production

STATUS_COLORS = {
    AssetStatus.ACTIVE: GREEN,
    AssetStatus.QUARANTINED: ORANGE,
    AssetStatus.TAINTED: RED,
    AssetStatus.WITHDRAWN: GREY,
}
C2PA_COLORS = {
    C2paState.TRUSTED: GREEN,
    C2paState.VALID: BLUE,
    C2paState.INVALID: RED,
    C2paState.NONE: LIGHT_GREY,
}


class AssetUploadForm(forms.Form):
    production = forms.ModelChoiceField(queryset=Production.objects.none())
    origin = forms.ChoiceField(choices=AssetOrigin.choices, initial=AssetOrigin.DAILIES)
    file = forms.FileField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["production"].queryset = Production.objects.restrict(user, ScopeAction.CHANGE)


class AppearanceInline(admin.TabularInline):
    model = Appearance
    extra = 0
    can_delete = False
    fields = ["person", "start_seconds", "end_seconds", "start_frame", "end_frame", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(ScopedAdminMixin, ServiceAdmin):
    """Footage is added on the upload page (the ingest service) and never changed here."""

    list_display = [
        "preview",
        "original_filename",
        "production",
        "kind",
        "origin",
        "status_badge",
        "credentials_badge",
        "size",
        "created_at",
    ]
    list_filter = ["production", "kind", "origin", "status", "c2pa_state"]
    search_fields = ["original_filename", "sha256"]
    list_select_related = ["production"]
    inlines = [AppearanceInline]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Asset._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="")
    def preview(self, obj):
        if not obj.thumbnail_key:
            return "—"
        url = reverse("v1:asset-thumbnail", args=[obj.pk])
        return format_html('<img src="{}" style="height:48px" alt="">', url)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return choice_badge(STATUS_COLORS, obj.status, obj.get_status_display())

    @admin.display(description="Credentials", ordering="c2pa_state")
    def credentials_badge(self, obj):
        return choice_badge(C2PA_COLORS, obj.c2pa_state, obj.get_c2pa_state_display())

    def get_urls(self):
        return [
            path(
                "upload/", self.admin_site.admin_view(self.upload_view), name="assets_asset_upload"
            ),
            path(
                "<int:asset_id>/credentials/",
                self.admin_site.admin_view(self.credentials_view),
                name="assets_asset_credentials",
            ),
            *super().get_urls(),
        ]

    def credentials_view(self, request, asset_id):
        asset = self.get_queryset(request).filter(pk=asset_id).first()
        if asset is None:
            raise Http404("No such asset.")
        reading = services.asset_credentials(asset=asset)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Content Credentials of {asset}",
            "asset": asset,
            "reading": reading,
            "tree": reading.as_dict()["chain"],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/assets/credentials.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "credentials_url": f"../../{object_id}/credentials/",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:assets_asset_upload")

    def upload_view(self, request):
        form = AssetUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.asset_ingest(
                    actor=request.user,
                    production=form.cleaned_data["production"],
                    source=upload.file,
                    filename=upload.name,
                    origin=form.cleaned_data["origin"],
                )
            except (ValidationError, PayloadTooLarge, PermissionDenied, Conflict) as exc:
                form.add_error("file", " ".join(getattr(exc, "messages", [str(exc)])))
            else:
                verb = "Ingested" if result.created else "Already in the library:"
                self.message_user(request, f"{verb} {result.asset}", messages.SUCCESS)
                return redirect("admin:assets_asset_change", result.asset.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Upload footage",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/assets/upload.html", context)


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, ServiceAdmin):
    list_display = ["name", "kind", "is_minor", "is_deceased", "email"]
    list_filter = ["kind", "is_minor", "is_deceased", "productions"]
    search_fields = ["name", "email"]
    filter_horizontal = ["productions"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "productions":
            kwargs["queryset"] = Production.objects.restrict(request.user, ScopeAction.CHANGE)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        fields = {f: form.cleaned_data[f] for f in services.PERSON_FIELDS if f in form.cleaned_data}
        productions = list(form.cleaned_data["productions"])
        if change:
            saved = services.person_update(
                actor=request.user, person=obj, productions=productions, **fields
            )
        else:
            saved = services.person_create(actor=request.user, productions=productions, **fields)
        obj.pk = saved.pk
