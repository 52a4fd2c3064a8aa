"""The product's URLs and, for the API list benchmark only, a bare DRF view returning a constant."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from studio.urls import urlpatterns as product_urlpatterns


class BareView(APIView):
    """DRF's own cost: no authentication, no permission, no database; a constant body."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("bench/bare", BareView.as_view()), *product_urlpatterns]
