"""Authenticates the user named in the X-User header, standing in for a session login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser, User


class HeaderUserMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        name = request.headers.get("X-User")
        request.user = User.objects.get_or_create(username=name)[0] if name else AnonymousUser()
        return self.get_response(request)
