DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "catalog",
        "ATOMIC_REQUESTS": True,
    }
}
