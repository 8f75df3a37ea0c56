# expect: forgotten-transaction
# pattern: a password reset stores the new hash and then revokes the user's API tokens in
#          autocommit; a failure between leaves the old tokens valid after the reset
from django.contrib.auth import get_user_model

from api.models import AccessToken


def reset_password(user_id, new_password):
    user = get_user_model().objects.get(pk=user_id)
    user.set_password(new_password)
    user.save(update_fields=["password"])  # expect-line
    AccessToken.objects.filter(user=user).delete()
