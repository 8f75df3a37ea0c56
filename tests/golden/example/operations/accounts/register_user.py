"""RegisterUser: the implementation of accounts.register_user.

opsgen created this file once and never overwrites it. When the spec's input or
output changes, `opsgen generate` updates the signature of ``run`` and keeps
its body.
"""

from __future__ import annotations

from opsgen.runtime.execution import ExecutionContext

from app.generated.accounts.register_user import (
    RegisterUserBase,
    RegisterUserOutput,
)
from app.generated.shared_types import EmailAddress


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
        raise NotImplementedError(
            "implement RegisterUser.run in "
            "app/operations/accounts/register_user.py (spec "
            "specs/accounts/register_user.yaml)"
        )
