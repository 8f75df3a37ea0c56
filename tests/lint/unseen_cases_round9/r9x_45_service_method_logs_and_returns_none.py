# expect: non-uniform-interface
# pattern: AccountService methods raise AccountError, but reset_password() logs an invalid
#          token and returns None, so a caller that reads the returned user fails later
import logging

from django.contrib.auth.tokens import default_token_generator

from accounts.models import User

logger = logging.getLogger(__name__)


class AccountError(Exception):
    pass


class AccountService:
    def deactivate(self, user: User) -> User:
        if not user.is_active:
            raise AccountError(f"user {user.pk} is already inactive")
        user.is_active = False
        user.save(update_fields=["is_active"])
        return user

    def change_email(self, user: User, email: str) -> User:
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise AccountError(f"{email} belongs to another account")
        user.email = email
        user.save(update_fields=["email"])
        return user

    def reset_password(self, user: User, token: str, password: str) -> User | None:  # expect-line
        if not default_token_generator.check_token(user, token):
            logger.warning("invalid password reset token for user %s", user.pk)
            return None
        user.set_password(password)
        user.save(update_fields=["password"])
        return user
