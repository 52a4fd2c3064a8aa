"""A URLconf with a page and an API route that fail, for the error handlers' tests."""

from django.urls import path

from studio.urls import handler404, handler500, urlpatterns


def fail(request):
    raise RuntimeError("a fault in the code")


urlpatterns = [path("legal/fails/", fail), path("api/v1/fails/", fail), *urlpatterns]
__all__ = ["handler404", "handler500", "urlpatterns"]
