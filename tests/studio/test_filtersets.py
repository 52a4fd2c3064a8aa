"""The API's FilterSet: its form class is made once per FilterSet, and a filter that would need the
request to build its form field is refused rather than frozen with the first request's."""

import django_filters
import pytest
from django.core.validators import MinValueValidator
from django.http import QueryDict

from assets.api import AssetFilter
from assets.models import Asset
from studio.api.filters import FilterSet
from studio.api.parsers import INT64_MAX, INT64_MIN
from studio.models import Production


def test_the_form_class_is_made_once_and_each_request_gets_its_own_form(db):
    first = AssetFilter(QueryDict("kind=video"), queryset=Asset.objects.all())
    second = AssetFilter(QueryDict("kind=image&person=x"), queryset=Asset.objects.all())

    assert type(first.form) is type(second.form)
    assert first.form is not second.form
    assert first.form.is_valid()
    assert first.form.cleaned_data["kind"] == "video"
    assert not second.form.is_valid()
    assert "person" in second.form.errors
    assert first.form.fields["kind"] is not second.form.fields["kind"]


def test_a_filter_whose_field_depends_on_the_request_is_refused(db):
    class ByProduction(FilterSet):
        production = django_filters.ModelChoiceFilter(
            queryset=lambda request: Production.objects.filter(memberships__user=request.user)
        )

        class Meta:
            model = Asset
            fields = ["production"]

    with pytest.raises(TypeError, match=r"ByProduction: \['production'\] depend on the request"):
        ByProduction(QueryDict(""), queryset=Asset.objects.all()).get_form_class()


def test_each_filterset_has_its_own_filters_and_a_method_filter_answers_to_its_own(db):
    from licensing.api.licenses import LicenseFilter
    from licensing.models import License

    first = LicenseFilter(QueryDict("expiring_within_days=30"), queryset=License.objects.all())
    second = LicenseFilter(QueryDict(""), queryset=License.objects.all())

    assert first.filters["expiring_within_days"] is not second.filters["expiring_within_days"]
    assert first.filters["expiring_within_days"].parent is first
    assert second.filters["expiring_within_days"].parent is second
    assert first.filters["expiring_within_days"].filter.f is first.filters["expiring_within_days"]
    assert first.is_valid()
    assert '"ends_at" <=' in str(first.qs.query)  # the method ran, on its own FilterSet
    assert "WHERE" not in str(second.qs.query)


def _request(query: str):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    return Request(APIRequestFactory().get(f"/x/?{query}"))


class _View:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)


def test_a_form_field_hardened_once_is_shared_by_every_form_and_still_bounds_its_input(db):
    first = AssetFilter(QueryDict("created_after=9999-12-31T23:00:00-05:00"), Asset.objects.all())
    second = AssetFilter(QueryDict("created_after=2026-01-01T00:00:00Z"), Asset.objects.all())

    assert not first.is_valid()
    assert "between the years 1 and 9999" in str(first.errors["created_after"])
    assert second.is_valid()
    # The validators of a number filter are added once, not once per request.
    number = type(first.form).base_fields["person"]
    before = list(number.validators)
    for _ in range(3):
        AssetFilter(QueryDict("person=1"), queryset=Asset.objects.all()).is_valid()
    assert number.validators == before
    assert [v.limit_value for v in before if type(v) is MinValueValidator] == [INT64_MIN]
    too_big = AssetFilter(QueryDict(f"person={INT64_MAX + 1}"), queryset=Asset.objects.all())
    assert not too_big.is_valid()


def test_a_request_naming_no_filter_gets_the_queryset_as_it_is_and_one_naming_one_is_filtered(db):
    from studio.api.filters import BoundedFilterBackend

    backend, view = BoundedFilterBackend(), _View(filterset_class=AssetFilter)
    queryset = Asset.objects.all()

    assert backend.filter_queryset(_request("page_size=10&cursor=x"), queryset, view) is queryset
    filtered = backend.filter_queryset(_request("page_size=10&kind=video"), queryset, view)
    assert '"kind" = video' in str(filtered.query)
    with pytest.raises(Exception, match="Select a valid choice"):
        backend.filter_queryset(_request("kind=sound"), queryset, view)


def test_a_filter_read_through_suffixed_names_or_a_required_one_is_always_asked(db):
    from rest_framework.exceptions import ValidationError as Invalid

    from studio.api.filters import BoundedFilterBackend

    class Sized(FilterSet):
        size = django_filters.RangeFilter()

        class Meta:
            model = Asset
            fields = ["size"]

    class MustSay(FilterSet):
        kind = django_filters.CharFilter(required=True)

        class Meta:
            model = Asset
            fields = ["kind"]

    backend, queryset = BoundedFilterBackend(), Asset.objects.all()
    ranged = backend.filter_queryset(_request("size_min=5"), queryset, _View(filterset_class=Sized))
    assert '"size" >= 5' in str(ranged.query)
    with pytest.raises(Invalid, match="required"):
        backend.filter_queryset(_request(""), queryset, _View(filterset_class=MustSay))


def test_a_view_naming_only_its_filter_fields_gets_one_filterset_class(db):
    from studio.api.filters import BoundedFilterBackend

    view = _View(filterset_fields=["kind", "status"])
    made = BoundedFilterBackend().get_filterset_class(view, Asset.objects.all())

    assert BoundedFilterBackend().get_filterset_class(view, Asset.objects.all()) is made
    assert issubclass(made, FilterSet)
    assert list(made.base_filters) == ["kind", "status"]


def test_a_filterset_made_from_fields_reads_booleans_and_instants_as_the_rest_api_does(db):
    from django_filters.widgets import BooleanWidget

    from licensing.models import GateEvaluation
    from studio.api.filters import BoundedFilterBackend

    view = _View(filterset_fields=["allowed", "created_at"])
    made = BoundedFilterBackend().get_filterset_class(view, GateEvaluation.objects.all())
    allowed = made(QueryDict("allowed=TRUE"), queryset=GateEvaluation.objects.all())

    assert isinstance(made.base_filters["allowed"].field.widget, BooleanWidget)
    assert isinstance(made.base_filters["created_at"], django_filters.IsoDateTimeFilter)
    assert allowed.is_valid()
    assert '"allowed"' in str(allowed.qs.query)


@pytest.mark.parametrize(
    ("view", "model_path"),
    [
        ({"filterset_fields": ["allowed"]}, "licensing.models.GateEvaluation"),
        ({"filterset_class": "licensing.api.consents.ConsentFilter"}, "licensing.models.Consent"),
    ],
)
def test_a_yes_no_filter_takes_true_or_false_and_refuses_anything_else(db, view, model_path):
    from django.utils.module_loading import import_string
    from rest_framework.exceptions import ValidationError as Invalid

    from studio.api.filters import BOOLEAN_MESSAGE, BoundedFilterBackend

    name = "allowed" if "filterset_fields" in view else "revoked"
    attrs = {k: import_string(v) if k == "filterset_class" else v for k, v in view.items()}
    backend, queryset = BoundedFilterBackend(), import_string(model_path).objects.all()

    for given in ("true", "FALSE", "1", "0"):
        filtered = backend.filter_queryset(_request(f"{name}={given}"), queryset, _View(**attrs))
        assert "WHERE" in str(filtered.query), given
    unfiltered = backend.filter_queryset(_request(f"{name}="), queryset, _View(**attrs))
    assert "WHERE" not in str(unfiltered.query)
    for given in ("maybe", "yes", "unknown", "2"):
        with pytest.raises(Invalid) as refused:
            backend.filter_queryset(_request(f"{name}={given}"), queryset, _View(**attrs))
        assert refused.value.detail == {name: [BOOLEAN_MESSAGE]}
