"""The API's FilterSet: its form class is made once per FilterSet, and a filter that would need the
request to build its form field is refused rather than frozen with the first request's."""

import django_filters
import pytest
from django.http import QueryDict

from assets.api import AssetFilter
from assets.models import Asset
from studio.api.filters import FilterSet
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
