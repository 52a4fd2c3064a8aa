"""What the demo's steps share: the console they print to and what earlier steps made."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.test import Client
from rich.console import Console

from studio.choices import Role
from studio.models import Production

User = get_user_model()

DEMO_PRODUCTION = "NIGHTFALL"
DEMO_PEOPLE = {"cora": Role.COORDINATOR, "lena": Role.LEGAL, "mam-bridge": Role.INTEGRATION}


@dataclass
class DemoContext:
    console: Console
    ping_worker: bool = False
    admin: User | None = None
    admin_password: str | None = None
    production: Production | None = None
    users: dict[str, User] = field(default_factory=dict)
    token_key: str | None = None
    assets: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    licenses: dict = field(default_factory=dict)
    jobs: list = field(default_factory=list)
    list_etag: str | None = None

    def mam_client(self):
        """A test client that calls the API as the MAM does, with its token."""
        return Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {self.token_key}")
