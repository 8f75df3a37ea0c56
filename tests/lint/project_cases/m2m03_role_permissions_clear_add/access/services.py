# expect: forgotten-transaction
# pattern: a role's permissions are replaced by clear() and then add() on the
#          many-to-many manager of a row loaded by its manager; between the two
#          autocommit writes the role has no permissions, and a failure in add() keeps it
#          that way
from access.models import Permission, Role


def replace_permissions(role_id, codenames):
    role = Role.objects.get(pk=role_id)
    granted = list(Permission.objects.filter(codename__in=codenames))
    seen = set()
    for permission in granted:
        seen.add(permission.codename)
    missing = [name for name in codenames if name not in seen]
    if missing:
        raise ValueError(f"unknown permissions: {', '.join(missing)}")
    role.permissions.clear()  # expect-line
    role.permissions.add(*granted)
    return role
