# Configuration the case needs: the project's own middleware (middleware.py) wraps every
# unsafe request in transaction.atomic(), the way ATOMIC_REQUESTS would. This folder is
# the "shop" package that the dotted paths below name.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
    }
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shop.middleware.TransactionPerRequestMiddleware",
]

ROOT_URLCONF = "shop.urls"
