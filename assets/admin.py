from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from assets import admin_views, services
from assets.admin_media import credentials_badge, human_size, local_time, status_badge
from assets.models import Asset, Person
from studio.admin_base import ScopedAdminMixin, ServiceAdmin
from studio.choices import ScopeAction


@admin.register(Asset)
class AssetAdmin(ScopedAdminMixin, ServiceAdmin):
    """Footage is added on the upload page (the ingest service) and never changed here.

    The change page is the asset's media page (player, people in shot, rights, lineage); its
    writes — appearances — are small forms posting to views that call the people services.
    """

    list_display = ["preview", "name", "kind", "show", "badges", "file_size", "created"]
    list_display_links = ["preview", "name"]
    list_filter = ["production", "kind", "origin", "status", "c2pa_state"]
    search_fields = ["original_filename", "sha256"]
    list_select_related = ["production"]
    date_hierarchy = "created_at"
    list_per_page = 50

    class Media:
        css = {"all": ["clearcut/media.css"]}
        js = ["clearcut/localtime.js"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Asset._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="")
    def preview(self, obj):
        if not obj.thumbnail_key:
            return format_html('<span class="cc-thumb cc-thumb-empty">{}</span>', obj.kind)
        url = reverse("v1:asset-thumbnail", args=[obj.pk])
        return format_html('<img class="cc-thumb" src="{}" alt="" loading="lazy">', url)

    @admin.display(description="Name", ordering="original_filename")
    def name(self, obj):
        return format_html(
            '<span class="cc-name" title="{}">{}</span>',
            obj.original_filename,
            obj.original_filename,
        )

    @admin.display(description="Production", ordering="production__code")
    def show(self, obj):
        return format_html('<span title="{}">{}</span>', obj.production.name, obj.production.code)

    @admin.display(description="Status")
    def badges(self, obj):
        return format_html_join(
            "", '<span class="cc-badges">{}{}</span>', [(status_badge(obj), credentials_badge(obj))]
        )

    @admin.display(description="Size", ordering="size")
    def file_size(self, obj):
        return human_size(obj.size)

    @admin.display(description="Created", ordering="created_at")
    def created(self, obj):
        return local_time(obj.created_at, short=True)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="assets_asset_upload"),
            path(
                "<int:asset_id>/credentials/",
                view(self.credentials_view),
                name="assets_asset_credentials",
            ),
            path(
                "<int:asset_id>/appearances/",
                view(self.appearance_add_view),
                name="assets_asset_appearance_add",
            ),
            path(
                "<int:asset_id>/appearances/<int:appearance_id>/",
                view(self.appearance_change_view),
                name="assets_asset_appearance_change",
            ),
            *super().get_urls(),
        ]

    def scoped_asset(self, request, asset_id) -> Asset:
        return admin_views.scoped_asset(self.get_queryset(request), asset_id)

    def credentials_view(self, request, asset_id):
        return admin_views.credentials_page(self, request, self.scoped_asset(request, asset_id))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        asset = self.get_object(request, unquote(object_id)) if object_id else None
        if asset is not None:
            extra_context = {**(extra_context or {}), **admin_views.media_page(request, asset)}
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.redirect_to_upload()

    def upload_view(self, request):
        return admin_views.upload(self, request)

    def appearance_add_view(self, request, asset_id):
        return admin_views.appearance_add(request, self.scoped_asset(request, asset_id))

    def appearance_change_view(self, request, asset_id, appearance_id):
        asset = self.scoped_asset(request, asset_id)
        return admin_views.appearance_change(request, asset, appearance_id)


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, ServiceAdmin):
    scoped_choices = {"productions": ScopeAction.CHANGE}
    list_display = ["name", "kind", "is_minor", "is_deceased", "email"]
    list_filter = ["kind", "is_minor", "is_deceased", "productions"]
    search_fields = ["name", "email"]
    filter_horizontal = ["productions"]

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
