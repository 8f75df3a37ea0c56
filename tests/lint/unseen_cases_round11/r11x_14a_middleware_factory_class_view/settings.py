MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
]
MIDDLEWARE += ["bookings.core.middleware.atomic_writes"]
