# expect: none
# Both databases wrap every view in a transaction of their own.
DATABASES = {
    "default": dict(ENGINE="django.db.backends.postgresql", NAME="shop", ATOMIC_REQUESTS=True),
    "ledger": dict(ENGINE="django.db.backends.postgresql", NAME="ledger", ATOMIC_REQUESTS=True),
}
