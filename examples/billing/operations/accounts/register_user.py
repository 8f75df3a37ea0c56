"""RegisterUser: the implementation of accounts.register_user.

opsgen created this file once and never overwrites it. When the spec's input or output
changes, `opsgen generate` updates the signature of ``run`` and keeps its body.
"""

from __future__ import annotations

import hashlib
import os

from sqlalchemy import select

from opsgen.runtime.execution import ExecutionContext

from examples.billing.generated.accounts.register_user import (
    RegisterUserBase,
    RegisterUserOutput,
)
from examples.billing.generated.shared_types import EmailAddress
from examples.billing.models import MailingListSubscription, User


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


class RegisterUser(RegisterUserBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        email: EmailAddress,
        password: str,
        display_name: str,
        mailing_lists: list[str],
    ) -> RegisterUserOutput:
        taken = ctx.session.scalar(select(User.id).where(User.email == email))
        if taken is not None:
            raise self.errors.email_taken()

        user = User(email=email, display_name=display_name, password_hash=hash_password(password))
        ctx.session.add(user)
        ctx.session.flush()
        for list_name in mailing_lists:
            ctx.session.add(MailingListSubscription(user_id=user.id, list_name=list_name))
            self.subscribe_to_list(ctx, user_id=user.id, list_name=list_name)

        self.send_welcome_email(ctx, to=email, display_name=display_name)
        return RegisterUserOutput(user_id=user.id)
