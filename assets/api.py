"""Assets over the API (people and appearances: ``assets.api_people``). Every write calls a service
in assets.services."""

from pathlib import Path

import django_filters
from django.core.files.storage import default_storage
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import list_revisions, selectors, services
from assets.api_people import AppearanceViewSet, PersonViewSet
from assets.choices import AssetOrigin
from assets.incoming import HashingUploadHandler
from assets.lineage import asset_lineage_prov
from assets.models import Asset
from assets.prov_ld import prov_jsonld
from assets.sniff import media_types
from studio.api.base import (
    ColumnReadingSerializer,
    ScopedViewSetMixin,
    StrictSerializer,
)
from studio.api.fields import IdField, ProductionCodeField
from studio.api.filters import FilterSet
from studio.api.links import object_url
from studio.api.page_cache import PageCache
from studio.api.parsers import BoundedJSONParser
from studio.api.permissions import request_principal
from studio.api.renderers import JsonLdRenderer
from studio.api.sql_json import SqlRenderedReadsMixin, object_link
from studio.exceptions import PayloadTooLarge
from studio.http_ranges import ranged_file_response

# PROV-JSON by default; PROV-O as JSON-LD for clients that ask for linked data.
PROV_RENDERERS = [JSONRenderer, JsonLdRenderer]


class AssetSerializer(ColumnReadingSerializer):
    production = serializers.SlugRelatedField(slug_field="code", read_only=True)
    original_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    proxy_url = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            "production",
            "sha256",
            "kind",
            "mime_type",
            "size",
            "original_filename",
            "origin",
            "status",
            "status_reason",
            "duration_seconds",
            "fps",
            "frame_count",
            "width",
            "height",
            "codec",
            "audio_codec",
            "audio_channels",
            "audio_sample_rate",
            "technical",
            "c2pa_state",
            "c2pa_active_manifest",
            "c2pa_failure_codes",
            "original_url",
            "thumbnail_url",
            "proxy_url",
            "ingested_by",
            "created_at",
        ]
        read_only_fields = fields

    def _url(self, obj, name):
        return object_url(self.context, f"v1:asset-{name}", obj.pk)

    def get_original_url(self, obj) -> str:
        return self._url(obj, "original")

    def get_thumbnail_url(self, obj) -> str | None:
        return self._url(obj, "thumbnail") if obj.thumbnail_key else None

    def get_proxy_url(self, obj) -> str | None:
        return self._url(obj, "proxy") if obj.proxy_key else None

    def sql_fields(self) -> dict:
        """The links above, written by the database for lists (``studio.api.sql_json``)."""
        return {
            "original_url": object_link(self.context, "v1:asset-original"),
            "thumbnail_url": object_link(
                self.context, "v1:asset-thumbnail", unless_blank="thumbnail_key"
            ),
            "proxy_url": object_link(self.context, "v1:asset-proxy", unless_blank="proxy_key"),
        }


class AssetUploadSerializer(StrictSerializer):
    file = serializers.FileField(allow_empty_file=True)
    production = ProductionCodeField()
    origin = serializers.ChoiceField(choices=AssetOrigin.choices, default=AssetOrigin.DAILIES)


class AssetFilter(FilterSet):
    production = django_filters.CharFilter(field_name="production__code")
    person = django_filters.NumberFilter(field_name="appearances__person", distinct=True)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Asset
        fields = ["production", "kind", "origin", "status", "sha256", "c2pa_state", "person"]


class WithdrawSerializer(StrictSerializer):
    assets = IdField(many=True, queryset=Asset.objects.none())
    reason = serializers.CharField()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")

    def get_fields(self):
        fields = super().get_fields()
        if "request" in self.context:
            fields["assets"].child_relation.queryset = selectors.asset_list(
                principal=request_principal(self.context["request"])
            )
        return fields


PROXY_TYPES = ["video/mp4", "image/webp"]


def _downloads(media: list[str]) -> dict:
    """A file: 200 whole, 206 the byte range asked for (Range), in the file's own media type."""
    return {(code, mime): OpenApiTypes.BINARY for code in (200, 206) for mime in media}


class AssetViewSet(
    SqlRenderedReadsMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Footage: upload (streamed, hashed, deduplicated), list, detail, downloads and lineage."""

    parser_classes = [BoundedJSONParser, MultiPartParser]  # uploads are multipart

    queryset = Asset.objects.select_related("production")
    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    # Its revision moves with every change to a production's assets, their appearances (the
    # ``person`` filter) and its code: all a page of this list shows or is filtered by.
    page_cache = PageCache(
        list_revisions.revision, token_revision=list_revisions.token_revision_sql
    )

    def initialize_request(self, request, *args, **kwargs):
        if request.method == "POST":
            request.upload_handlers = [HashingUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": AssetUploadSerializer}, responses={201: AssetSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = request.data  # parses the body, streaming the file through the upload handler
        if any(getattr(h, "too_large", False) for h in request._request.upload_handlers):
            raise PayloadTooLarge(services.file_too_large_message())
        payload = AssetUploadSerializer(data=data, context={"request": request})
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        if not hasattr(upload, "incoming"):
            raise serializers.ValidationError({"file": "The upload did not complete."})
        result = services.asset_ingest(
            actor=self.principal,
            production=payload.validated_data["production"],
            source=upload.incoming(),
            filename=upload.name,
            origin=payload.validated_data["origin"],
        )
        body = AssetSerializer(result.asset, context={"request": request}).data
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(
            body, status=code, headers={"Location": body["original_url"].replace("original/", "")}
        )

    def _file(self, asset, key: str, filename: str, content_type: str, *, attachment: bool):
        services.asset_ensure_downloadable(asset)
        if not key:
            raise Http404("Not generated yet.")
        return ranged_file_response(
            self.request,
            default_storage,
            key,
            content_type=content_type,
            filename=filename,
            attachment=attachment,
        )

    @extend_schema(responses=_downloads(media_types()))
    @action(detail=True, methods=["get"])
    def original(self, request, pk=None):
        """The original file, as ingested, in its own media type (Range requests answer 206)."""
        asset = self.get_object()
        return self._file(
            asset, asset.storage_key, asset.original_filename, asset.mime_type, attachment=True
        )

    @extend_schema(responses=_downloads(PROXY_TYPES))
    @action(detail=True, methods=["get"])
    def proxy(self, request, pk=None):
        """The viewing copy: an MP4 for footage with pictures, a WebP for stills."""
        asset = self.get_object()
        mime = PROXY_TYPES[0] if asset.proxy_key.endswith(".mp4") else PROXY_TYPES[1]
        return self._file(
            asset, asset.proxy_key, asset.proxy_key.rsplit("/", 1)[-1], mime, attachment=False
        )

    @extend_schema(responses=_downloads(["image/jpeg"]))
    @action(detail=True, methods=["get"])
    def thumbnail(self, request, pk=None):
        """A JPEG thumbnail."""
        asset = self.get_object()
        return self._file(asset, asset.thumbnail_key, "thumb.jpg", "image/jpeg", attachment=False)

    @extend_schema(request=WithdrawSerializer, responses={200: AssetSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def withdraw(self, request):
        """Legal withdraws outputs (tainted ones; others need an override reason). Downloads stop."""
        payload = WithdrawSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        withdrawn = services.asset_withdraw(actor=self.principal, **payload.validated_data)
        return Response(AssetSerializer(withdrawn, many=True, context={"request": request}).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def credentials(self, request, pk=None):
        """The asset's Content Credentials, verified now: state, summary, codes, the manifest chain."""
        asset = self.get_object()
        reading = services.asset_credentials(asset=asset)
        return Response(
            {"asset": asset.pk, "sidecar": bool(asset.c2pa_sidecar_key), **reading.as_dict()}
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], renderer_classes=PROV_RENDERERS)
    def lineage(self, request, pk=None):
        """The asset's ancestors and descendants as W3C PROV-JSON, or as PROV-O in JSON-LD for
        ``Accept: application/ld+json``."""
        document = asset_lineage_prov(self.get_object(), principal=self.principal)
        if isinstance(request.accepted_renderer, JsonLdRenderer):
            document = prov_jsonld(document)
        return Response(document)


class CredentialsVerifySerializer(StrictSerializer):
    file = serializers.FileField(allow_empty_file=True)
    manifest = serializers.FileField(required=False, help_text="a sidecar .c2pa manifest store")


class CredentialsVerifyView(APIView):
    """Verify any file's Content Credentials. Nothing is stored; the upload is removed afterwards."""

    parser_classes = [MultiPartParser]

    def initialize_request(self, request, *args, **kwargs):
        request.upload_handlers = [HashingUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": CredentialsVerifySerializer}, responses={200: dict}
    )
    def post(self, request):
        data = request.data
        if any(getattr(h, "too_large", False) for h in request._request.upload_handlers):
            raise PayloadTooLarge(services.file_too_large_message())
        payload = CredentialsVerifySerializer(data=data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        sidecar = payload.validated_data.get("manifest")
        sniffed, reading = services.credentials_verify_upload(
            path=Path(upload.temporary_file_path()),
            size=upload.size,
            sidecar=sidecar.read() if sidecar is not None else None,
        )
        return Response({"mime_type": sniffed.mime_type, **reading.as_dict()})


ROUTES = [
    ("assets", AssetViewSet, "asset"),
    ("people", PersonViewSet, "person"),
    ("appearances", AppearanceViewSet, "appearance"),
]
