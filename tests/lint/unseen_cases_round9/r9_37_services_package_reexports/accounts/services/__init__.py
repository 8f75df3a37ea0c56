from accounts.services.errors import ServiceError, ValidationFailed
from accounts.services.profiles import change_display_name, get_profile
from accounts.services.security import change_password, enable_two_factor

__all__ = [
    "ServiceError",
    "ValidationFailed",
    "change_display_name",
    "change_password",
    "enable_two_factor",
    "get_profile",
]
