# expect: none
# fixed shape: the new password and the revocation commit together
from django.contrib.auth import get_user_model
from django.db import transaction

from api.models import AccessToken


def reset_password(user_id, new_password):
    with transaction.atomic():
        user = get_user_model().objects.get(pk=user_id)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        AccessToken.objects.filter(user=user).delete()
