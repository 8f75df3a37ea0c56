SECRET_KEY = "change-me"
DEBUG = False
ROOT_URLCONF = "config.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "shop",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "HOST": "127.0.0.1",
        "ATOMIC_REQUESTS": True,
    }
}

WAREHOUSE_URL = "https://warehouse.example.com/api"
WAREHOUSE_TOKEN = "set-in-environment"
