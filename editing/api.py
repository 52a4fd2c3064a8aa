"""Editing over the API: models, adapters, edit jobs (202 or 403 with reasons), training runs."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from assets.incoming import HashingUploadHandler
from editing import services
from editing.choices import ModelTask
from editing.models import Adapter, EditJob, ModelVersion, TrainingRun
from editing.models.jobs import IDEMPOTENCY_KEY_MAX_CHARS
from editing.operations import OPERATIONS
from editing.services.idempotency import HEADER, IdempotencyKeyReused
from editing.services.training import training_retrain_without, training_run_submit
from licensing.api import AssetIdsField, InstantField, ReasonSerializer
from licensing.choices import Media
from studio.api.base import ScopedViewSetMixin, StrictModelSerializer, StrictSerializer
from studio.api.errors import PROBLEM_CONTENT_TYPE, problem
from studio.api.fields import IdField, ProductionCodeField
from studio.api.filters import FilterSet
from studio.api.parsers import BoundedJSONParser
from studio.api.permissions import SignedIn, request_principal
from studio.choices import ScopeAction
from studio.exceptions import PayloadTooLarge

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Makes retries safe. At most {IDEMPOTENCY_KEY_MAX_CHARS} printable ASCII characters "
        "without spaces (a longer or other key is a 400; keys are never shortened). A key belongs "
        "to the requesting user within the request's production and is bound to the request body: "
        "the same key with the same body, sent again or concurrently, answers as the first request "
        "did (the same 202, or the same 403 with its reasons) with the same job as it stands now, "
        "and queues nothing more; the same key with a different body is a 422 naming the header."
    ),
)


class NotClearedSerializer(serializers.Serializer):
    """The 403 of a denied submit: a problem document with the gate's blocking reasons and the job."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    reasons = ReasonSerializer(many=True)
    job = serializers.DictField()


SUBMIT_RESPONSES = {
    400: OpenApiTypes.OBJECT,
    (403, "application/problem+json"): NotClearedSerializer,
    422: OpenApiTypes.OBJECT,
}


class ModelVersionSerializer(StrictModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "family",
            "version",
            "task",
            "location",
            "weights_sha256",
            "provenance",
            "max_side",
            "status",
            "registered_by",
            "created_at",
        ]
        read_only_fields = ["id", "weights_sha256", "status", "registered_by", "created_at"]


class ModelVersionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Base models (studio-wide). Registering one hashes its weights; administrators only."""

    queryset = ModelVersion.objects.all()
    serializer_class = ModelVersionSerializer
    permission_classes = [SignedIn]
    filterset_fields = ["task", "status", "family"]

    def perform_create(self, serializer):
        serializer.instance = services.model_register(
            actor=request_principal(self.request), **serializer.validated_data
        )


class AdapterSerializer(serializers.ModelSerializer):
    production = serializers.SlugRelatedField(slug_field="code", read_only=True)
    ledger = serializers.SerializerMethodField()

    class Meta:
        model = Adapter
        fields = [
            "id",
            "production",
            "name",
            "model_version",
            "weights_sha256",
            "training_run",
            "training_ledger_sha256",
            "ledger",
            "replaces",
            "status",
            "status_reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_ledger(self, obj) -> dict | None:
        return obj.training_run.ledger if obj.training_run_id else None


class AdapterUploadSerializer(StrictSerializer):
    production = ProductionCodeField()
    name = serializers.CharField(max_length=100)
    model_version = IdField(queryset=ModelVersion.objects.all())
    weights = serializers.FileField()


class AdapterViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """LoRA adapters of the caller's productions, with the ledger of what they were trained on."""

    parser_classes = [BoundedJSONParser, MultiPartParser]  # outside weights are uploaded

    queryset = Adapter.objects.select_related("production", "training_run")
    serializer_class = AdapterSerializer
    filterset_fields = ["status", "model_version"]

    def initialize_request(self, request, *args, **kwargs):
        if request.method == "POST":
            request.upload_handlers = [HashingUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def retrain(self, request, pk=None):
        """Train again with the same parameters, without the footage behind the adapter's taint."""
        run = training_retrain_without(actor=self.principal, adapter=self.get_object())
        return _job_response(run, TrainingRunSerializer(run, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": AdapterUploadSerializer}, responses={201: AdapterSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = request.data
        if any(getattr(h, "too_large", False) for h in request._request.upload_handlers):
            raise PayloadTooLarge("The weights file is too large.")
        payload = AdapterUploadSerializer(data=data, context={"request": request})
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        adapter = services.adapter_register(
            actor=self.principal, weights=values.pop("weights").incoming(), **values
        )
        return Response(AdapterSerializer(adapter).data, status=status.HTTP_201_CREATED)


class AdapterWeightSerializer(StrictSerializer):
    adapter = IdField(queryset=Adapter.objects.none())
    weight = serializers.FloatField(default=1.0)

    def get_fields(self):
        fields = super().get_fields()
        if "request" in self.context:
            fields["adapter"].queryset = Adapter.objects.restrict(
                request_principal(self.context["request"])
            )
        return fields


class EditRequestSerializer(StrictSerializer):
    # Any production the caller can see; the service answers 403 where their role may not request edits.
    production = ProductionCodeField(scope_action=ScopeAction.VIEW)
    operation = serializers.ChoiceField(choices=sorted(OPERATIONS))
    inputs = AssetIdsField(many=True)
    territory = serializers.CharField(max_length=2)
    media = serializers.ChoiceField(choices=Media.choices)
    language = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    mask = AssetIdsField(required=False, allow_null=True)
    mask_polygons = serializers.JSONField(required=False)
    prompt = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    negative_prompt = serializers.CharField(required=False, allow_blank=True, default="")
    parameters = serializers.DictField(required=False, default=dict)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)
    model_version = IdField(queryset=ModelVersion.objects.all(), required=False)
    adapters = AdapterWeightSerializer(many=True, required=False)
    at = InstantField(
        required=False,
        help_text="when the output will be used (ISO 8601 with offset); the gate answers for this "
        "instant, as /clearance/check does. Default: now. Echoed back as 'at'.",
    )


@extend_schema_field(
    inline_serializer(
        "RunDecision",
        {
            "allowed": serializers.BooleanField(),
            "reasons": ReasonSerializer(many=True),
            "rule_version": serializers.CharField(),
            "evaluated_at": serializers.DateTimeField(),
        },
        allow_null=True,
    )
)
class DecisionField(serializers.Field):
    """A stored gate decision; null where the job was never gated at that point."""

    def to_representation(self, evaluation):
        if evaluation is None:
            return None
        return {
            "allowed": evaluation.allowed,
            "reasons": evaluation.reasons,
            "rule_version": evaluation.rule_version,
            "evaluated_at": evaluation.created_at,
        }


class _RunSerializer(serializers.ModelSerializer):
    production = serializers.SlugRelatedField(slug_field="code", read_only=True)
    submit_decision = DecisionField(source="submit_evaluation", read_only=True, allow_null=True)
    start_decision = DecisionField(source="start_evaluation", read_only=True, allow_null=True)
    at = serializers.DateTimeField(source="intended_use_at", read_only=True, allow_null=True)
    RUN_FIELDS = [
        "id",
        "production",
        "status",
        "progress_stage",
        "progress_percent",
        "model_version",
        "parameters",
        "seed",
        "territory",
        "media",
        "language",
        "at",
        "submit_decision",
        "start_decision",
        "error",
        "device",
        "attempts",
        "lease_expires_at",
        "heartbeat_at",
        "orphaned_at",
        "requested_by",
        "queued_at",
        "started_at",
        "finished_at",
        "created_at",
    ]


class EditJobSerializer(_RunSerializer):
    adapters = serializers.SerializerMethodField()
    output_url = serializers.SerializerMethodField()

    class Meta:
        model = EditJob
        fields = [
            *_RunSerializer.RUN_FIELDS,
            "operation",
            "inputs",
            "mask",
            "mask_polygons",
            "prompt",
            "negative_prompt",
            "adapters",
            "output",
            "output_url",
            "recalled_from",
        ]
        read_only_fields = fields

    def get_adapters(self, obj) -> list:
        return [
            {"adapter": link.adapter_id, "weight": link.weight}
            for link in obj.editjobadapter_set.all()
        ]

    def get_output_url(self, obj) -> str | None:
        if not obj.output_id:
            return None
        return reverse("v1:asset-detail", args=[obj.output_id], request=self.context.get("request"))


class EditJobFilter(FilterSet):
    production = django_filters.CharFilter(field_name="production__code")

    class Meta:
        model = EditJob
        fields = ["production", "status", "operation"]


class EditJobViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """AI edits. Create answers 202 with the queued job, or 403 with the gate's reasons (the denied job
    is kept). Send an ``Idempotency-Key`` header to make retries safe."""

    queryset = EditJob.objects.select_related(
        "production", "submit_evaluation", "start_evaluation"
    ).prefetch_related("inputs", "editjobadapter_set")
    serializer_class = EditJobSerializer
    filterset_class = EditJobFilter

    @extend_schema(
        request=EditRequestSerializer,
        responses=SUBMIT_RESPONSES | {202: EditJobSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request, *args, **kwargs):
        payload = EditRequestSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["adapters"] = [(item["adapter"], item["weight"]) for item in data.get("adapters", [])]
        key = request.headers.get(HEADER, "")
        try:
            job = services.edit_job_submit(actor=self.principal, idempotency_key=key, **data)
        except IdempotencyKeyReused as exc:
            return _key_reused(exc)
        job = self.get_queryset().get(pk=job.pk)
        return _job_response(job, self.get_serializer(job).data)

    @extend_schema(request=None, responses={200: EditJobSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = services.edit_job_cancel(actor=self.principal, job=self.get_object())
        return Response(self.get_serializer(job).data)

    @extend_schema(request=None, responses={202: EditJobSerializer, 403: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def recall(self, request, pk=None):
        """Run a finished job again, as a new job with a new gate decision."""
        job = services.edit_job_recall(actor=self.principal, job=self.get_object())
        return _job_response(job, self.get_serializer(job).data)


def _key_reused(exc: IdempotencyKeyReused) -> Response:
    errors = [{"field": exc.field, "message": str(exc)}]
    document = problem(422, str(exc), code="idempotency_key_reused", errors=errors)
    return Response(document, status=422, content_type=PROBLEM_CONTENT_TYPE)


def _job_response(run, body) -> Response:
    # The answer follows the decision at submit, so a replayed key answers as the first request did
    # even after a worker's own gate has denied the run since.
    if run.submit_evaluation.allowed:
        return Response(body, status=status.HTTP_202_ACCEPTED)
    reasons = [r for r in run.submit_evaluation.reasons if r["blocking"]]
    detail = "The rights do not allow this: " + " ".join(r["message"] for r in reasons)
    document = problem(403, detail, code="not_cleared") | {"reasons": reasons, "job": body}
    return Response(document, status=status.HTTP_403_FORBIDDEN, content_type=PROBLEM_CONTENT_TYPE)


class TrainingRunSerializer(_RunSerializer):
    adapter = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = [
            *_RunSerializer.RUN_FIELDS,
            "name",
            "assets",
            "caption",
            "ledger",
            "ledger_sha256",
            "replaces",
            "adapter",
        ]
        read_only_fields = fields

    def get_adapter(self, obj) -> int | None:
        adapter = getattr(obj, "adapter", None)
        return adapter.pk if adapter else None


class TrainingRequestSerializer(StrictSerializer):
    production = ProductionCodeField(scope_action=ScopeAction.VIEW)
    name = serializers.CharField(max_length=100)
    model_version = IdField(queryset=ModelVersion.objects.filter(task=ModelTask.IMG2IMG))
    assets = AssetIdsField(many=True)
    territory = serializers.CharField(max_length=2, help_text="one country, ISO 3166-1 alpha-2")
    media = serializers.ChoiceField(choices=Media.choices)
    at = InstantField(
        required=False,
        help_text="when the adapter will be used (ISO 8601 with offset); default: now",
    )
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    parameters = serializers.DictField(required=False, default=dict)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)


class TrainingRunViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Training runs: 202 with the queued run, or 403 with the gate's reasons; ``Idempotency-Key``
    as for edits."""

    queryset = TrainingRun.objects.select_related(
        "production", "submit_evaluation", "start_evaluation", "adapter"
    ).prefetch_related("assets")
    serializer_class = TrainingRunSerializer
    filterset_fields = ["status"]

    @extend_schema(
        request=TrainingRequestSerializer,
        responses=SUBMIT_RESPONSES | {202: TrainingRunSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request, *args, **kwargs):
        payload = TrainingRequestSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        key = request.headers.get(HEADER, "")
        try:
            run = training_run_submit(
                actor=self.principal, idempotency_key=key, **payload.validated_data
            )
        except IdempotencyKeyReused as exc:
            return _key_reused(exc)
        run = self.get_queryset().get(pk=run.pk)
        return _job_response(run, self.get_serializer(run).data)


ROUTES = [
    ("models", ModelVersionViewSet, "modelversion"),
    ("adapters", AdapterViewSet, "adapter"),
    ("edits", EditJobViewSet, "editjob"),
    ("trainings", TrainingRunViewSet, "trainingrun"),
]
