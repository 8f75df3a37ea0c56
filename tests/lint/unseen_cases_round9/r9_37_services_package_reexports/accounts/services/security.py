# expect: non-uniform-interface
# pattern: the account services package re-exports functions that raise
#          ValidationFailed, but enable_two_factor() logs and returns None on a wrong
#          code, so a caller that iterates over the recovery codes gets a TypeError
import logging
import secrets

import pyotp
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import RecoveryCode, TotpDevice
from accounts.services.errors import ValidationFailed

logger = logging.getLogger(__name__)


def change_password(user, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationFailed("old_password", "does not match the current password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed("new_password", " ".join(exc.messages)) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])


@transaction.atomic
def enable_two_factor(user, secret: str, code: str) -> list[str] | None:  # expect-line
    if not pyotp.TOTP(secret).verify(code, valid_window=1):
        logger.info("wrong TOTP code while enabling two-factor for user %s", user.pk)
        return None
    TotpDevice.objects.update_or_create(user=user, defaults={"secret": secret, "confirmed": True})
    codes = [secrets.token_hex(5) for _ in range(10)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code=c) for c in codes])
    return codes
