# expect: forgotten-transaction
# pattern: registration creates the user with create_user(), then the profile; a
#          failing profile insert leaves a login with no profile, and every later page
#          that reads request.user.profile raises
from django.contrib.auth import get_user_model

from accounts.models import Profile

User = get_user_model()


def register(email, password, display_name):
    user = User.objects.create_user(username=email, email=email, password=password)  # expect-line
    Profile.objects.create(user=user, display_name=display_name)
    return user
