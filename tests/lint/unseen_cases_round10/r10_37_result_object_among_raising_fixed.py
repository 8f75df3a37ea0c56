# expect: none
# fixed shape for r10_37: the token verifier returns the user id and raises InvalidToken,
#          like the other services
from django.core import signing

from accounts.errors import InvalidToken, NotFound
from accounts.models import NotificationPreferences, User


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
    def __call__(self, token: str) -> int:
        try:
            return signing.loads(token, salt="unsubscribe", max_age=7 * 24 * 3600)
        except signing.SignatureExpired:
            raise InvalidToken("unsubscribe token expired") from None
        except signing.BadSignature:
            raise InvalidToken("unsubscribe token invalid") from None
