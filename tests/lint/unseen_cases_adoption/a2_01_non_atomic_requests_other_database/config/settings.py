# expect: side-effect-in-transaction
# The default database wraps every view in a transaction; the analytics database does not.
DATABASES = {
    "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop", "ATOMIC_REQUESTS": True},
    "analytics": {"ENGINE": "django.db.backends.postgresql", "NAME": "analytics"},
}
