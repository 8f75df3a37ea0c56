from accounts.models import Profile
from accounts.services.errors import ValidationFailed

MAX_DISPLAY_NAME = 60


def get_profile(user) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def change_display_name(user, display_name: str) -> Profile:
    display_name = display_name.strip()
    if not display_name or len(display_name) > MAX_DISPLAY_NAME:
        raise ValidationFailed("display_name", f"must be 1 to {MAX_DISPLAY_NAME} characters")
    profile = get_profile(user)
    profile.display_name = display_name
    profile.save(update_fields=["display_name"])
    return profile
