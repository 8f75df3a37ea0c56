from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"

    def ready(self):
        from teams import signals  # noqa: F401  (connects the receivers)
