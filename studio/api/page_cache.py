"""List pages kept in each process and answered again while the data they show has not changed.

Integrations poll lists: a MAM walks the same pages of a production's assets every few seconds
and most of them have not moved. A view that declares a ``PageCache`` keys each page on what its
body depends on: the view, the request's path and query, the site its links are written for, the
time zone its date-times are written in, the productions the principal may see, and the revision
of their data. The revision is read from the database first, then the page's own query runs if
it must, so a page is never older than the revision it is kept under; whatever changes the data
moves the revision (for assets, database triggers: ``assets.list_revisions``).

Every such response carries a weak ``ETag`` derived from the same key, and ``If-None-Match``
with it answers ``304 Not Modified`` with no body: a poller that is up to date costs the
authentication and the revision read. Pages are only kept for principals whose production scope is
a list of ids (API tokens); each process keeps at most ``API_PAGE_CACHE_BYTES`` of them, least
recently used first out, and ``0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response

from studio.api.permissions import request_principal
from studio.scoping import allowed_production_ids


class CachedPage:
    """One request's place in the cache: its key, its ETag and, on a hit, the body kept."""

    __slots__ = ("body", "etag", "key")

    def __init__(self, key: tuple, body: bytes | None):
        self.key, self.body = key, body
        digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
        self.etag = f'W/"{digest}"'

    def matches(self, request) -> bool:
        """Whether the client already holds this page (``If-None-Match``, weak comparison)."""
        header = request.headers.get("If-None-Match")
        if not header:
            return False
        wanted = parse_etags(header)
        return "*" in wanted or any(_opaque(tag) == _opaque(self.etag) for tag in wanted)

    def respond(self, response: Response) -> Response:
        response["ETag"] = self.etag
        # Stored by the client, but asked again each time; the body depends on the credentials.
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ["Authorization"])
        return response

    def not_modified(self) -> Response:
        return self.respond(Response(status=status.HTTP_304_NOT_MODIFIED))


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


class PageCache:
    """Bodies by key, least recently used first out, within a byte budget, in this process."""

    _every: weakref.WeakSet[PageCache] = weakref.WeakSet()

    # The attribute an API token read with ``token_columns`` carries the revision in.
    TOKEN_REVISION = "page_cache_revision"  # noqa: S105  (an attribute name)

    def __init__(
        self,
        revision: Callable[[list[int]], int],
        *,
        token_revision: Callable[[str], str] | None = None,
        budget_bytes: int | None = None,
    ):
        """``revision(production_ids)`` reads the revision of the data the pages show;
        ``token_revision(token_table)`` is the same over an API token's productions as SQL, read
        with the token by its authentication (``token_columns``) instead of in a statement of its
        own."""
        PageCache._every.add(self)
        self.revision = revision
        self.token_columns = {self.TOKEN_REVISION: token_revision} if token_revision else {}
        self._budget = budget_bytes
        self._pages: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def budget(self) -> int:
        if self._budget is not None:
            return self._budget
        return settings.API_PAGE_CACHE_BYTES

    def page(self, view) -> CachedPage | None:
        """The request's place in the cache, with the body kept for it if any; None where pages
        of this request are not kept (cache off, or a principal whose scope is not a list)."""
        if self.budget <= 0:
            return None
        request = view.request
        scope = allowed_production_ids(request_principal(request), view.read_scope_action)
        if not isinstance(scope, list):
            return None
        key = (
            f"{type(view).__module__}.{type(view).__qualname__}",
            request.get_full_path(),
            request.build_absolute_uri("/"),
            timezone.get_current_timezone_name(),
            tuple(scope),
            self._revision(request, scope),
        )
        with self._lock:
            body = self._pages.get(key)
            if body is not None:
                self._pages.move_to_end(key)
        return CachedPage(key, body)

    def _revision(self, request, scope: list[int]) -> tuple:
        read = getattr(request.auth, self.TOKEN_REVISION, None) if self.token_columns else None
        if read is not None:  # over the token's productions, a superset of the scope
            return ("token", read)
        return ("scope", self.revision(scope))

    def keep(self, page: CachedPage, body: bytes) -> None:
        size = len(body)
        if size > self.budget // 4:
            return  # a page this large would push out most of the others
        with self._lock:
            old = self._pages.pop(page.key, None)
            if old is not None:
                self._bytes -= len(old)
            self._pages[page.key] = body
            self._bytes += size
            while self._bytes > self.budget:
                _key, evicted = self._pages.popitem(last=False)
                self._bytes -= len(evicted)
        page.body = body

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    @classmethod
    def clear_all(cls) -> None:
        """Forget every page in this process: after the database was restored from a backup, whose
        revisions may repeat ones already seen."""
        for cache in list(cls._every):
            cache.clear()

    def __len__(self) -> int:
        return len(self._pages)
