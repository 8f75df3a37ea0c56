"""Settings of the example Django project; the database comes from OPSGEN_TEST_DJANGO_DATABASE."""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

_database = make_url(os.environ["OPSGEN_TEST_DJANGO_DATABASE"])

SECRET_KEY = "only-for-the-opsgen-tests"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
USE_TZ = True
ROOT_URLCONF = "django_project.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_project.notesapp",
    "opsgen.integrations.django",
]

MIDDLEWARE = [
    "django_project.notesapp.auth.HeaderUserMiddleware",
    "opsgen.integrations.django.OpsgenMiddleware",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _database.database,
        "USER": _database.username or "postgres",
        "PASSWORD": _database.password or "",
        "HOST": _database.host or "127.0.0.1",
        "PORT": str(_database.port or 5432),
    }
}

OPSGEN_REGISTRY = "django_project.notesapp.operations.ops"
