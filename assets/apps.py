from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Assets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets import checks  # noqa: F401  (registers the signing configuration check)

        checks.check_trust_anchors_at_startup()

        # The audit trail's checkpoints are signed with the key this app configures.
        from assets.credentials.checkpoints import audit_checkpoint_keys
        from studio.audit_checkpoints import register_checkpoint_keys

        register_checkpoint_keys(audit_checkpoint_keys)
