"""``POST /api/v1/clearance/check``: the gate's dry run for MAMs, one use or many at once.

One use: ``{production, action, assets, territory, media, ...}`` answers one decision.
Many uses (a bulk check, e.g. every shot of a cut): ``{production, uses: [{...}, ...]}`` answers
``{count, results: [decision, ...]}`` in the order asked, each exactly as its single check would.

Whatever the number of uses or assets: the token, the production, every asset id (one query for
all of them) and the facts of every use (one statement) — four round trips, five when the token's
last use is recorded. Nothing is stored or queued.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import (
    OpenApiExample,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.models import Asset
from licensing import territories
from licensing.choices import ConsentScope, Media, RightsAction
from licensing.gate import UseRequest, evaluate_many
from licensing.gate.decision import REASON_CODES
from studio.api.errors import PayloadTooLargeError
from studio.api.parsers import INT64_MAX
from studio.api.permissions import SignedInReader, request_principal
from studio.api.renderers import rendered
from studio.choices import ScopeAction
from studio.models import Production
from studio.scoping import pks_in_scope

MAX_USES = 2000  # uses in one bulk check
MAX_ASSETS_PER_USE = 500
USE_FIELDS = (
    "action",
    "assets",
    "adapters",
    "territory",
    "media",
    "language",
    "at",
    "consent_scopes",
)
CALL_FIELDS = ("production", "time_zone")
ACTIONS = frozenset(RightsAction.values)
MEDIA = frozenset(Media.values)
SCOPES = frozenset(ConsentScope.values)


# --- the documented shapes (OpenAPI) --------------------------------------------------------------


class CheckUseSerializer(serializers.Serializer):
    """One intended use: may ``action`` be done with these assets (and adapters), in this territory,
    on this media, in this language, at this instant?"""

    action = serializers.ChoiceField(choices=RightsAction.choices)
    assets = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_ASSETS_PER_USE
    )
    adapters = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    territory = serializers.CharField(max_length=8, help_text="one country, ISO 3166-1 alpha-2")
    media = serializers.ChoiceField(choices=Media.choices)
    language = serializers.CharField(max_length=8, required=False, allow_blank=True)
    at = serializers.DateTimeField(
        required=False,
        help_text="the intended use's instant (ISO 8601 with offset); default: now. Reasons show "
        "instants in this offset unless time_zone is given.",
    )
    consent_scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ConsentScope.choices),
        required=False,
        help_text="default: the scopes the action needs",
    )


class CheckSerializer(CheckUseSerializer):
    """A single check: the production and one use."""

    production = serializers.CharField(help_text="the production's code")
    time_zone = serializers.CharField(
        required=False, help_text="IANA name (e.g. America/Los_Angeles) to show instants in"
    )


class BulkCheckSerializer(serializers.Serializer):
    """A bulk check: many uses of one production, answered in the order given."""

    production = serializers.CharField(help_text="the production's code")
    time_zone = serializers.CharField(required=False)
    uses = CheckUseSerializer(many=True, help_text=f"1 to {MAX_USES} uses")


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=sorted(REASON_CODES.items()), help_text="stable; see the README's table"
    )
    blocking = serializers.BooleanField()
    message = serializers.CharField(help_text="for people; instants in the caller's time zone")
    refs = serializers.DictField(help_text="license reference, grant, duties (attribution, notice)")
    asset = serializers.IntegerField(allow_null=True)
    license = serializers.IntegerField(allow_null=True)
    grant = serializers.IntegerField(allow_null=True)
    consent = serializers.IntegerField(allow_null=True)
    person = serializers.IntegerField(allow_null=True)
    adapter = serializers.IntegerField(allow_null=True)
    taint_cause = inline_serializer(
        "TaintCause",
        {
            "type": serializers.ChoiceField(choices=["license", "consent"]),
            "id": serializers.IntegerField(),
        },
        allow_null=True,
    )
    dimension = serializers.CharField(
        help_text="what the reason is about: action, territory, media, language, date, "
        "production, license_status, asset_status, adapter, consent_scope, asset"
    )
    value = serializers.CharField(help_text="the value asked for in that dimension")
    limit = serializers.CharField(help_text="the boundary missed (an instant), when there is one")


class DecisionSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    rule_version = serializers.CharField()
    request = serializers.DictField()
    reasons = ReasonSerializer(many=True)


class BulkDecisionSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = DecisionSerializer(many=True)


# --- parsing: fast, one pass, errors named by path --------------------------------------------------


class _Errors(dict):
    def add(self, path: str, message: str) -> None:
        self.setdefault(path, []).append(message)


def _id_list(value, path: str, errors: _Errors, *, required: bool) -> tuple[int, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list):
        errors.add(path, "Expected a list of ids.")
        return ()
    if required and not value:
        errors.add(path, "At least one asset is needed.")
    if len(value) > MAX_ASSETS_PER_USE:
        errors.add(path, f"At most {MAX_ASSETS_PER_USE} ids in one use.")
        return ()
    ids = []
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= INT64_MAX:
            errors.add(f"{path}.{i}", f"Invalid id {item!r}: a whole number from 1.")
        else:
            ids.append(item)
    return tuple(ids)


def _choice(value, path: str, allowed: frozenset, errors: _Errors) -> str:
    if not isinstance(value, str) or value not in allowed:
        errors.add(path, f"{value!r} is not one of {', '.join(sorted(allowed))}.")
        return ""
    return value


def _instant(value, path: str, errors: _Errors) -> dt.datetime | None:
    if value is None:
        return None
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
    if parsed is None:
        errors.add(path, "An ISO 8601 date-time, e.g. 2027-03-01T23:30:00-08:00.")
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    try:
        parsed.astimezone(dt.UTC)
    except OverflowError:
        errors.add(path, "This instant is out of range.")
        return None
    return parsed


def _zone(value, errors: _Errors) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not value:
        errors.add("time_zone", "An IANA time zone name, e.g. America/Los_Angeles.")
        return ""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.add("time_zone", f"Unknown time zone {value!r}: give an IANA name.")
        return ""
    return value


def _use(raw, prefix: str, errors: _Errors, *, production_id: int, zone: str, now) -> UseRequest:
    if not isinstance(raw, dict):
        errors.add(prefix.rstrip(".") or "non_field_errors", "Expected an object.")
        return None
    for name in raw:
        if name not in USE_FIELDS and not (not prefix and name in CALL_FIELDS):
            errors.add(prefix + str(name), "Unknown field.")
    for name in ("action", "assets", "territory", "media"):
        if name not in raw:
            errors.add(prefix + name, "This field is required.")
    action = (
        _choice(raw.get("action"), prefix + "action", ACTIONS, errors) if "action" in raw else ""
    )
    assets = _id_list(raw.get("assets"), prefix + "assets", errors, required=True)
    adapters = _id_list(raw.get("adapters"), prefix + "adapters", errors, required=False)
    territory = raw.get("territory")
    if "territory" in raw:
        if isinstance(territory, str) and territory.upper() in territories.countries():
            territory = territory.upper()
        else:
            errors.add(
                prefix + "territory",
                f"{territory!r} is not one country: give an ISO 3166-1 alpha-2 code (e.g. US, FR).",
            )
    media = _choice(raw.get("media"), prefix + "media", MEDIA, errors) if "media" in raw else ""
    language = raw.get("language", "")
    if not isinstance(language, str) or len(language) > 8:
        errors.add(prefix + "language", "A language code of at most 8 characters.")
    at = _instant(raw.get("at"), prefix + "at", errors) or now
    scopes = raw.get("consent_scopes")
    if scopes is not None:
        if not isinstance(scopes, list):
            errors.add(prefix + "consent_scopes", "Expected a list of consent scopes.")
        else:
            for i, scope in enumerate(scopes):
                _choice(scope, f"{prefix}consent_scopes.{i}", SCOPES, errors)
    if errors:
        return None
    return UseRequest(
        action=action,
        production_id=production_id,
        asset_ids=assets,
        territory=territory,
        media=media,
        at=at,
        language=language,
        adapter_ids=adapters,
        consent_scopes=tuple(scopes) if scopes is not None else None,
        time_zone=zone,
    )


def _production_id(request, data, errors: _Errors) -> int | None:
    code = data.get("production")
    if not isinstance(code, str) or not code:
        errors.add("production", "This field is required.")
        return None
    found = pks_in_scope(
        Production, request_principal(request), ScopeAction.VIEW, field="code", values=[code]
    )
    if not found:
        errors.add("production", f"Object with code={code} does not exist.")
        return None
    return found[0]


def _check_assets(request, uses: list[UseRequest], prefixes: list[str], errors: _Errors) -> None:
    """Every asset id of every use, checked against what the caller can see in one query."""
    wanted = {i for use in uses for i in use.asset_ids}
    principal = request_principal(request)
    visible = set(pks_in_scope(Asset, principal, ScopeAction.VIEW, field="pk", values=wanted))
    for use, prefix in zip(uses, prefixes, strict=True):
        for i, asset_id in enumerate(use.asset_ids):
            if asset_id not in visible:
                errors.add(
                    f"{prefix}assets.{i}", f'Invalid pk "{asset_id}" - object does not exist.'
                )


def _raise(errors: _Errors) -> None:
    if errors:
        raise ValidationError(dict(errors))


class ClearanceCheckView(APIView):
    """Dry run of the gate for MAMs: the decision and its reasons, for one use or for many (``uses``,
    at most ``MAX_USES``); nothing is stored or queued, so a read-only token may ask."""

    permission_classes = [SignedInReader]

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="ClearanceCheckRequest",
            serializers=[CheckSerializer, BulkCheckSerializer],
            resource_type_field_name=None,
        ),
        responses={
            200: PolymorphicProxySerializer(
                component_name="ClearanceCheckAnswer",
                serializers=[DecisionSerializer, BulkDecisionSerializer],
                resource_type_field_name=None,
            )
        },
        examples=[
            OpenApiExample(
                "Bulk check of a cut",
                request_only=True,
                value={
                    "production": "ALPHA",
                    "time_zone": "America/Los_Angeles",
                    "uses": [
                        {
                            "assets": [101],
                            "action": "distribute",
                            "territory": "US",
                            "media": "svod",
                            "at": "2027-03-01T23:30:00-08:00",
                        },
                        {
                            "assets": [102, 103],
                            "action": "ai_edit",
                            "territory": "FR",
                            "media": "broadcast",
                            "language": "fr",
                        },
                    ],
                },
            )
        ],
    )
    def post(self, request):
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
        errors = _Errors()
        bulk = "uses" in data
        raw_uses = data.get("uses") if bulk else [data]
        if bulk:
            for name in data:
                if name not in (*CALL_FIELDS, "uses"):
                    errors.add(name, "Unknown field.")
            if not isinstance(raw_uses, list) or not raw_uses:
                errors.add("uses", f"A list of 1 to {MAX_USES} uses.")
                _raise(errors)
            if len(raw_uses) > MAX_USES:
                raise PayloadTooLargeError(
                    f"A bulk check takes at most {MAX_USES} uses; this one has {len(raw_uses)}."
                )
        zone = _zone(data.get("time_zone"), errors)
        production_id = _production_id(request, data, errors)
        _raise(errors)
        now = timezone.now()
        prefixes = [f"uses.{i}." for i in range(len(raw_uses))] if bulk else [""]
        uses = [
            _use(raw, prefix, errors, production_id=production_id, zone=zone, now=now)
            for raw, prefix in zip(raw_uses, prefixes, strict=True)
        ]
        _raise(errors)
        _check_assets(request, uses, prefixes, errors)
        _raise(errors)
        decisions = [d.as_dict() for d in evaluate_many(uses)]
        if not bulk:
            return Response(rendered(decisions[0]))
        return Response(rendered({"count": len(decisions), "results": decisions}))
