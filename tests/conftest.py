from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations
from rest_framework.test import APIClient

from assets.credentials.devcert import write_dev_chain
from studio import queues
from studio.api.page_cache import PageCache
from tests.factories import MembershipFactory, ProductionFactory, UserFactory, make_token


@pytest.fixture(autouse=True)
def _no_kept_pages():
    """Each test starts with no list pages kept: a flushed database repeats revisions."""
    PageCache.clear_all()
    yield
    PageCache.clear_all()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def superuser(db):
    return UserFactory(username="root-admin", is_superuser=True, is_staff=True)


@pytest.fixture
def production(db):
    return ProductionFactory(code="ALPHA")


@pytest.fixture
def other_production(db):
    return ProductionFactory(code="BRAVO")


@pytest.fixture
def member(db):
    """member(role, production) -> a user holding that role on that production."""

    def _member(role, production, username=None):
        user = UserFactory(**({"username": username} if username else {}))
        MembershipFactory(user=user, production=production, role=role)
        return user

    return _member


@pytest.fixture
def token_client(db):
    """token_client(user, productions, can_write=...) -> an APIClient authenticated by a token."""

    def _client(user, productions, **kwargs):
        token, raw_key = make_token(user, productions, **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        client.token = token
        return client

    return _client


@pytest.fixture
def checkpoint_store(settings, tmp_path):
    """Audit checkpoints signed with a fresh development chain, kept in a folder of this test's."""
    chain = write_dev_chain(tmp_path / "pki")
    settings.C2PA_SIGNING_CHAIN = str(chain.chain_pem)
    settings.C2PA_SIGNING_KEY = str(chain.key_pem)
    settings.C2PA_TRUST_ANCHORS = str(chain.root_pem)
    settings.C2PA_DEV_DEFAULTS = False
    settings.C2PA_ALLOW_DEV_CERTIFICATE = True
    store = tmp_path / "audit-checkpoints"
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_checkpoints": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": store},
        },
    }
    return store


@dataclass
class Message:
    task: str
    args: tuple
    correlation_id: str | None
    countdown: int | None
    outbox_id: int | None = None


@dataclass
class Broker:
    """Task messages the services handed to the broker, recorded instead of sent."""

    messages: list[Message] = field(default_factory=list)
    # task name -> the first argument of each message (an id), in order
    by_task: defaultdict[str, list] = field(default_factory=lambda: defaultdict(list))

    def publish(self, task_name, args, *, correlation_id=None, countdown=None, outbox_id=None):
        self.messages.append(Message(task_name, tuple(args), correlation_id, countdown, outbox_id))
        self.by_task[task_name].append(args[0] if len(args) == 1 else tuple(args))


@pytest.fixture
def broker(monkeypatch) -> Broker:
    """No broker: what ``studio.queues.enqueue`` sends after commit is recorded here, and tests
    run the services (or the tasks) themselves."""
    recorded = Broker()
    monkeypatch.setattr(queues, "publish", recorded.publish)
    return recorded


_sql_flush = DatabaseOperations.sql_flush


def _sql_flush_past_the_audit_guard(self, style, tables, **kwargs):
    """Transactional tests empty every table with one TRUNCATE, which the audit table's trigger
    refuses; the test database's superuser flushes as a replica session (triggers off), only here."""
    statements = _sql_flush(self, style, tables, **kwargs)
    return ["SET LOCAL session_replication_role = replica", *statements] if statements else []


DatabaseOperations.sql_flush = _sql_flush_past_the_audit_guard
