"""Routers for the v1 API: each app registers its viewsets on its own router (``<app>/api_urls.py``);
the root URLconf includes those modules by name and serves one root listing every collection."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import get_resolver, reverse
from rest_framework.routers import APIRootView, DefaultRouter


class AppRouter(DefaultRouter):
    """One app's routes, with format suffixes; the single root view is ``ApiRootView``."""

    include_root_view = False


def app_router(routes: Iterable[tuple[str, type, str]]) -> AppRouter:
    """A router for one app's ``(prefix, viewset, basename)`` routes."""
    router = AppRouter()
    for prefix, viewset, basename in routes:
        router.register(prefix, viewset, basename=basename)
    return router


def collections(namespace: str, urlconf: str | None = None) -> dict[str, str]:
    """``{path: url name}`` of every collection (``*-list``) registered under ``namespace``."""
    _, resolver = get_resolver(urlconf).namespace_dict[namespace]
    root = reverse(f"{namespace}:api-root", urlconf=urlconf)
    names = [n for n in resolver.reverse_dict if isinstance(n, str) and n.endswith("-list")]
    paths = {reverse(f"{namespace}:{n}", urlconf=urlconf).removeprefix(root): n for n in names}
    return {path.strip("/"): paths[path] for path in sorted(paths)}


class ApiRootView(APIRootView):
    """The API root: a link to each collection, whichever app's URLconf registered it."""

    def get(self, request, *args, **kwargs):
        urlconf = getattr(request, "urlconf", None)
        self.api_root_dict = collections(request.resolver_match.namespace, urlconf)
        return super().get(request, *args, **kwargs)
