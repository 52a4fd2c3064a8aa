"""C2PA Content Credentials: reading and verifying them, and stamping our outputs with them."""

from assets.credentials.reading import CredentialReading, read_credentials

__all__ = ["CredentialReading", "read_credentials"]
