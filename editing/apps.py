from django.apps import AppConfig


class EditingConfig(AppConfig):
    name = "editing"
    verbose_name = "Editing"
    default_auto_field = "django.db.models.BigAutoField"
