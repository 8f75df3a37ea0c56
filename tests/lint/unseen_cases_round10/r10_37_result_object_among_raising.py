# expect: non-uniform-interface
# pattern: the account services return their value and raise on failure, except one that
#          returns a Success or Failure container from the returns library. A caller that
#          uses it like the others takes a Failure for a valid user id.
from django.core import signing

from accounts.errors import InvalidToken, NotFound
from accounts.models import NotificationPreferences, User
from returns.result import Failure, Result, Success


class PreferencesLoader:
    def __call__(self, user: User) -> NotificationPreferences:
        preferences = NotificationPreferences.objects.filter(user=user).first()
        if preferences is None:
            raise NotFound(f"notification preferences for user {user.pk}")
        return preferences


class UserLoader:
    def __call__(self, user_id: int) -> User:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise NotFound(f"active user {user_id}")
        return user


class UnsubscribeTokenVerifier:
    def __call__(self, token: str) -> Result[int, str]:  # expect-line
        try:
            return Success(signing.loads(token, salt="unsubscribe", max_age=7 * 24 * 3600))
        except signing.SignatureExpired:
            return Failure("expired")
        except signing.BadSignature:
            return Failure("invalid")
