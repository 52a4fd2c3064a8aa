"""A real HTTP receiver on loopback, a record of queued deliveries, and subscription builders."""

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studio.webhooks import services

WAIT_SECONDS = 10


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; answers 500 to the next ``fail_next`` ones, then ``status``."""

    url: str = ""
    status: int = 204
    location: str = ""
    fail_next: int = 0
    hang: bool = False
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, received: Received) -> int:
        with self.lock:
            self.requests.append(received)
            self.arrived.set()
            if self.fail_next:
                self.fail_next -= 1
                return 500
            return self.status

    def wait_for(self, count: int) -> list[Received]:
        """The requests once ``count`` have arrived; bounded, never a bare sleep."""
        while len(self.requests) < count:
            assert self.arrived.wait(WAIT_SECONDS), f"only {len(self.requests)} request(s) came"
            self.arrived.clear()
        return self.requests


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received = Received(self.command, self.path, dict(self.headers.items()), body)
            code = receiver.answer(received)
            if receiver.hang:
                receiver.release.wait(WAIT_SECONDS)
            self.send_response(code)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST  # recorded too, so a followed redirect would show

        def log_message(self, format, *args):
            pass

    return Handler


def _serve(tls_context=None):
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    if tls_context is not None:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/clearcut"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join(WAIT_SECONDS)


@pytest.fixture
def receiver():
    yield from _serve()


TLS_HOST = "hooks.example.com"


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A self-signed certificate for ``TLS_HOST`` and its key, as PEM files."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TLS_HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(TLS_HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def tls_receiver(tls_files):
    """A receiver speaking HTTPS with the certificate of ``TLS_HOST``, on 127.0.0.1."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    yield from _serve(context)


@pytest.fixture
def loopback(settings):
    """The loopback receiver is allowed only in the tests that ask for it."""
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    return settings


@dataclass
class Queued:
    """Deliveries handed to the delivery task (no broker): tests call ``webhook_deliver`` themselves."""

    broker: object

    @property
    def _deliveries(self):
        return [m for m in self.broker.messages if m.task == services.DELIVERY_TASK]

    @property
    def delayed(self) -> list[int]:
        """Deliveries queued at once (a first attempt)."""
        return [m.args[0] for m in self._deliveries if m.countdown is None]

    @property
    def retries(self) -> list[tuple[int, int]]:
        return [(m.args[0], m.countdown) for m in self._deliveries if m.countdown is not None]

    @property
    def countdowns(self) -> list[int]:
        return [countdown for _, countdown in self.retries]


@pytest.fixture(autouse=True)
def queued(broker) -> Queued:
    return Queued(broker)


@pytest.fixture
def coordinator(production, member):
    return member("coordinator", production, username="cora-coordinator")


@pytest.fixture
def subscribe(coordinator, production):
    """subscribe(url, events=[...]) -> (subscription, secret), created through the service."""

    def _subscribe(url, events=(), name="MAM", who=None, where=None):
        return services.webhook_subscription_create(
            actor=who or coordinator,
            production=where or production,
            name=name,
            url=url,
            events=list(events),
        )

    return _subscribe
